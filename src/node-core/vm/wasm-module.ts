import { VmError } from './errors';

/**
 * Reads just enough of a WebAssembly binary to sandbox it before the engine sees it:
 * - its imports (only WASI preview 1 functions and one memory are provided);
 * - its memories and tables, whose maxima are rewritten to the job's limits, so `memory.grow` and `table.grow`
 *   fail there (return -1) instead of taking the provider's RAM — a table's elements live on the V8 heap;
 * - every other structure that costs memory or compile time, bounded (ModuleLimits): functions, globals, types,
 *   data and element segments, section sizes, function body sizes and locals per function;
 * - features the sandbox does not offer are refused: shared memories (threads), 64-bit memories and tables,
 *   typed function references in tables and locals, sections it does not know.
 * Everything else is left to the engine's validation.
 */

export const WASM_PAGE = 65_536;
export const WASI_MODULE = 'wasi_snapshot_preview1';

export interface ModuleImport {
  readonly module: string;
  readonly name: string;
  /** 0 function, 1 table, 2 memory, 3 global, 4 tag. */
  readonly kind: number;
}

/** Bounds on a module's structure (the defaults suit any program a job can reasonably be). */
export interface ModuleLimits {
  /** Imported plus defined functions. */
  readonly functions: number;
  readonly types: number;
  readonly globals: number;
  readonly tables: number;
  /** The largest table maximum, in elements (also at most the memory limit / 16). */
  readonly tableElements: number;
  readonly dataSegments: number;
  readonly elementSegments: number;
  /** Any one section, in bytes (the data section is also at most the memory limit). */
  readonly sectionBytes: number;
  readonly functionBodyBytes: number;
  /** Locals declared by one function (parameters not counted). */
  readonly locals: number;
}

export const DEFAULT_MODULE_LIMITS: ModuleLimits = {
  functions: 100_000,
  types: 20_000,
  globals: 10_000,
  tables: 8,
  tableElements: 1_000_000,
  dataSegments: 10_000,
  elementSegments: 10_000,
  sectionBytes: 8 * 2 ** 20,
  functionBodyBytes: 2 ** 20,
  locals: 10_000,
};

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
  /** The cap written into every table, in elements. */
  readonly maxTableElements: number;
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

function overLimit(what: string, count: number, limit: number): VmError {
  return new VmError('invalid-module', `the module has ${count} ${what}; the sandbox allows at most ${limit}`);
}

const SECTION_NAMES = [
  'custom',
  'type',
  'import',
  'function',
  'table',
  'memory',
  'global',
  'export',
  'start',
  'element',
  'code',
  'data',
  'data count',
  'tag',
];
/** Value types a local may have: i32, i64, f32, f64, v128, funcref, externref. */
const PLAIN_VALUE_TYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);
const REF_TYPES = new Set([0x70, 0x6f]);

/** Unsigned LEB128, as the WebAssembly binary format writes sizes and counts. */
export function uleb(value: number): number[] {
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

/** Reads a table type (a reference type and limits); 64-bit and typed-reference tables are refused. */
function readTable(r: Reader): { refType: number; limits: Limits } {
  const refType = r.byte();
  if (!REF_TYPES.has(refType)) throw invalid(`tables of type 0x${refType.toString(16)} are not supported`);
  const flags = r.byte();
  if (flags & 0x04) throw invalid('64-bit tables are not allowed');
  if (flags > 1) throw invalid(`unknown table limits flags ${flags}`);
  const min = r.u32();
  return { refType, limits: { min, max: flags === 1 ? r.u32() : undefined } };
}

function cappedTable(t: { refType: number; limits: Limits }, cap: number): number[] {
  if (t.limits.min > cap) {
    throw new VmError(
      'memory-limit',
      `the module needs a table of ${t.limits.min} elements to start; the limit is ${cap} elements`,
    );
  }
  return [t.refType, 0x01, ...uleb(t.limits.min), ...uleb(Math.min(t.limits.max ?? cap, cap))];
}

/** Checks the code section: each body's size and the locals it declares. */
function checkCode(r: Reader, end: number, limits: ModuleLimits): number {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const size = r.u32();
    const bodyEnd = r.offset + size;
    if (bodyEnd > end) throw invalid(`function body ${i} runs past its section`);
    if (size > limits.functionBodyBytes) {
      throw overLimit(`a function body of ${size} bytes (function ${i})`, size, limits.functionBodyBytes);
    }
    const groups = r.u32();
    let locals = 0;
    for (let g = 0; g < groups; g++) {
      locals += r.u32();
      const type = r.byte();
      if (!PLAIN_VALUE_TYPES.has(type)) throw invalid(`locals of type 0x${type.toString(16)} are not supported`);
      if (locals > limits.locals) throw overLimit(`more locals in function ${i}`, locals, limits.locals);
    }
    r.offset = bodyEnd;
  }
  return count;
}

function cappedLimits(limits: Limits, capPages: number): number[] {
  if (limits.min > capPages) {
    throw new VmError(
      'memory-limit',
      `the module needs ${(limits.min * WASM_PAGE) / 2 ** 20} MiB of memory to start; the limit is ${(capPages * WASM_PAGE) / 2 ** 20} MiB`,
    );
  }
  const max = Math.min(limits.max ?? capPages, capPages);
  return [0x01, ...uleb(limits.min), ...uleb(max)];
}

/**
 * Parses `bytes`, checks its imports, caps its memory at `memoryLimitBytes` and its tables, and bounds the rest
 * by `moduleLimits`.
 */
export function sandboxModule(
  bytes: Uint8Array,
  memoryLimitBytes: number,
  moduleLimits: Partial<ModuleLimits> = {},
): SandboxedModule {
  const limits: ModuleLimits = { ...DEFAULT_MODULE_LIMITS, ...moduleLimits };
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw invalid('the bytes do not start with the WebAssembly magic number');
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw invalid('only WebAssembly binary version 1 is supported');
  }
  const capPages = Math.max(1, Math.floor(memoryLimitBytes / WASM_PAGE));
  const tableCap = Math.min(limits.tableElements, Math.max(1024, Math.floor(memoryLimitBytes / 16)));
  const r = new Reader(bytes);
  let functions = 0;
  let tables = 0;
  let lastId = 0;
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
    const section = SECTION_NAMES[id];
    if (section === undefined) throw invalid(`section ${id} is not one the sandbox knows`);
    if (size > limits.sectionBytes) throw overLimit(`a ${section} section of ${size} bytes`, size, limits.sectionBytes);
    if (id !== 0) {
      // Each known section at most once, in order (the engine checks the exact order; this bounds the parse).
      if (id === lastId) throw invalid(`a second ${section} section`);
      lastId = id;
    }
    if (id === 1) {
      const count = r.u32();
      if (count > limits.types) throw overLimit('types', count, limits.types);
    } else if (id === 3) {
      functions += r.u32();
    } else if (id === 6) {
      const count = r.u32();
      if (count > limits.globals) throw overLimit('globals', count, limits.globals);
    } else if (id === 9) {
      const count = r.u32();
      if (count > limits.elementSegments) throw overLimit('element segments', count, limits.elementSegments);
    } else if (id === 10) {
      checkCode(r, end, limits);
    } else if (id === 11 || id === 12) {
      const count = r.u32();
      if (count > limits.dataSegments) throw overLimit('data segments', count, limits.dataSegments);
      if (id === 11 && size > memoryLimitBytes) {
        throw new VmError(
          'memory-limit',
          `the module's data (${size} bytes) is larger than its memory limit (${memoryLimitBytes} bytes)`,
        );
      }
    }
    r.offset = bodyStart;
    if (id === 2) {
      // Imports: rewritten with the memory import's maximum capped.
      const body: number[] = [];
      const count = r.u32();
      body.push(...uleb(count));
      for (let i = 0; i < count; i++) {
        const entryStart = r.offset;
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        imports.push({ module, name, kind });
        if (kind === 0) {
          r.u32();
          functions++;
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
      out.push(Uint8Array.from([2, ...uleb(body.length), ...body]));
    } else if (id === 4) {
      // Tables: rewritten with every maximum at most the cap (a table without one gets the cap).
      const body: number[] = [];
      const count = r.u32();
      tables += count;
      if (tables > limits.tables) throw overLimit('tables', tables, limits.tables);
      body.push(...uleb(count));
      for (let i = 0; i < count; i++) body.push(...cappedTable(readTable(r), tableCap));
      if (r.offset !== end) throw invalid('the table section has trailing bytes');
      out.push(Uint8Array.from([4, ...uleb(body.length), ...body]));
    } else if (id === 5) {
      const body: number[] = [];
      const count = r.u32();
      body.push(...uleb(count));
      for (let i = 0; i < count; i++) {
        const limits = readMemoryLimits(r);
        memories++;
        initialPages = Math.max(initialPages, limits.min);
        body.push(...cappedLimits(limits, capPages));
      }
      if (r.offset !== end) throw invalid('the memory section has trailing bytes');
      out.push(Uint8Array.from([5, ...uleb(body.length), ...body]));
    } else {
      out.push(bytes.subarray(start, end));
    }
    r.offset = end;
  }
  if (memories > 1) throw invalid('more than one memory is not allowed');
  if (functions > limits.functions) throw overLimit('functions', functions, limits.functions);
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
  return { bytes: result, imports, importsMemory, initialPages, maxPages: capPages, maxTableElements: tableCap };
}
