import { VmError } from './errors';

/**
 * Reads just enough of a WebAssembly binary to sandbox it: its imports (only WASI preview 1 functions and one
 * memory are provided) and its memories, whose maximum is rewritten to the job's memory limit so `memory.grow`
 * fails at the limit instead of taking the provider's RAM. Everything else is left to the engine's validation.
 */

export const WASM_PAGE = 65_536;
export const WASI_MODULE = 'wasi_snapshot_preview1';

export interface ModuleImport {
  readonly module: string;
  readonly name: string;
  /** 0 function, 1 table, 2 memory, 3 global, 4 tag. */
  readonly kind: number;
}

export interface SandboxedModule {
  /** The module with every memory's maximum at most the limit. */
  readonly bytes: Uint8Array;
  readonly imports: readonly ModuleImport[];
  /** Whether the module imports its memory (as `env.memory`) rather than defining it. */
  readonly importsMemory: boolean;
  /** The smallest memory the module starts with, in pages. */
  readonly initialPages: number;
  /** The cap written into the module, in pages. */
  readonly maxPages: number;
}

class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    const b = this.bytes[this.offset];
    if (b === undefined) throw invalid('the module ends early');
    this.offset++;
    return b;
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw invalid('a LEB128 number is too long');
    }
    if (result > 0xffffffff) throw invalid('a LEB128 number is out of range');
    return result;
  }

  name(): string {
    const length = this.u32();
    if (this.offset + length > this.bytes.length) throw invalid('a name runs past the end');
    const text = Buffer.from(this.bytes.subarray(this.offset, this.offset + length)).toString('utf8');
    this.offset += length;
    return text;
  }
}

function invalid(message: string): VmError {
  return new VmError('invalid-module', `not a module the sandbox can run: ${message}`);
}

function leb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

interface Limits {
  readonly min: number;
  readonly max: number | undefined;
}

/** Reads memory limits; shared and 64-bit memories are refused (no threads, no memory64 in the sandbox). */
function readMemoryLimits(r: Reader): Limits {
  const flags = r.byte();
  if (flags & 0x02) throw invalid('shared memories are not allowed');
  if (flags & 0x04) throw invalid('64-bit memories are not allowed');
  if (flags > 1) throw invalid(`unknown memory limits flags ${flags}`);
  const min = r.u32();
  return { min, max: flags === 1 ? r.u32() : undefined };
}

function cappedLimits(limits: Limits, capPages: number): number[] {
  if (limits.min > capPages) {
    throw new VmError(
      'memory-limit',
      `the module needs ${(limits.min * WASM_PAGE) / 2 ** 20} MiB of memory to start; the limit is ${(capPages * WASM_PAGE) / 2 ** 20} MiB`,
    );
  }
  const max = Math.min(limits.max ?? capPages, capPages);
  return [0x01, ...leb(limits.min), ...leb(max)];
}

/** Parses `bytes`, checks its imports and caps its memory at `memoryLimitBytes`. */
export function sandboxModule(bytes: Uint8Array, memoryLimitBytes: number): SandboxedModule {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw invalid('the bytes do not start with the WebAssembly magic number');
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw invalid('only WebAssembly binary version 1 is supported');
  }
  const capPages = Math.max(1, Math.floor(memoryLimitBytes / WASM_PAGE));
  const r = new Reader(bytes);
  r.offset = 8;
  const out: Uint8Array[] = [bytes.subarray(0, 8)];
  const imports: ModuleImport[] = [];
  let memories = 0;
  let importsMemory = false;
  let initialPages = 0;
  while (r.offset < bytes.length) {
    const start = r.offset;
    const id = r.byte();
    const size = r.u32();
    const bodyStart = r.offset;
    const end = bodyStart + size;
    if (end > bytes.length) throw invalid(`section ${id} runs past the end`);
    if (id === 2) {
      // Imports: rewritten with the memory import's maximum capped.
      const body: number[] = [];
      const count = r.u32();
      body.push(...leb(count));
      for (let i = 0; i < count; i++) {
        const entryStart = r.offset;
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        imports.push({ module, name, kind });
        if (kind === 0) {
          r.u32();
          body.push(...bytes.subarray(entryStart, r.offset));
        } else if (kind === 2) {
          if (module !== 'env' || name !== 'memory') {
            throw invalid(`it imports memory ${module}.${name}; the sandbox provides only env.memory`);
          }
          const headerEnd = r.offset;
          const limits = readMemoryLimits(r);
          memories++;
          importsMemory = true;
          initialPages = limits.min;
          body.push(...bytes.subarray(entryStart, headerEnd), ...cappedLimits(limits, capPages));
        } else {
          throw invalid(
            `it imports ${module}.${name} (a ${['function', 'table', 'memory', 'global', 'tag'][kind] ?? `kind ${kind}`}), which the sandbox does not provide`,
          );
        }
      }
      if (r.offset !== end) throw invalid('the import section has trailing bytes');
      out.push(Uint8Array.from([2, ...leb(body.length), ...body]));
    } else if (id === 5) {
      const body: number[] = [];
      const count = r.u32();
      body.push(...leb(count));
      for (let i = 0; i < count; i++) {
        const limits = readMemoryLimits(r);
        memories++;
        initialPages = Math.max(initialPages, limits.min);
        body.push(...cappedLimits(limits, capPages));
      }
      if (r.offset !== end) throw invalid('the memory section has trailing bytes');
      out.push(Uint8Array.from([5, ...leb(body.length), ...body]));
    } else {
      out.push(bytes.subarray(start, end));
    }
    r.offset = end;
  }
  if (memories > 1) throw invalid('more than one memory is not allowed');
  for (const imp of imports) {
    if (imp.kind === 0 && imp.module !== WASI_MODULE) {
      throw invalid(`it imports ${imp.module}.${imp.name}; the sandbox provides only ${WASI_MODULE} functions`);
    }
  }
  const total = out.reduce((n, part) => n + part.length, 0);
  const result = new Uint8Array(total);
  let at = 0;
  for (const part of out) {
    result.set(part, at);
    at += part.length;
  }
  return { bytes: result, imports, importsMemory, initialPages, maxPages: capPages };
}
