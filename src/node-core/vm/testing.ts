import { readFileSync, readdirSync } from 'node:fs';
import wabtInit from 'wabt';
import { formatHostPort } from '../../shared/network';
import type { HyperMeshNode, NodeConfig, NodeOverrides } from '../node';
import { certify } from '../testing/certify';
import type { StartNode } from '../testing/nodes';
import type { JobExecutor } from './sandbox';

/**
 * WebAssembly jobs for tests and benchmarks, as WAT compiled with wabt (a devDependency): small WASI commands
 * whose behaviour each test asserts.
 */

const WASI = (name: string, params: string, result = '(result i32)'): string =>
  `(import "wasi_snapshot_preview1" "${name}" (func $${name} (param ${params}) ${result}))`;

/** Reads stdin (up to 60,000 bytes) and writes it upper-cased to stdout; exits with argc - 1. */
export const UPPERCASE_WAT = `(module
  ${WASI('fd_read', 'i32 i32 i32 i32')}
  ${WASI('fd_write', 'i32 i32 i32 i32')}
  ${WASI('args_sizes_get', 'i32 i32')}
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 2)
  (func (export "_start") (local $n i32) (local $i i32) (local $c i32)
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 60000))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
    (local.set $n (i32.load (i32.const 16)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $c (i32.load8_u (i32.add (i32.const 1024) (local.get $i))))
      (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
        (then (i32.store8 (i32.add (i32.const 1024) (local.get $i)) (i32.sub (local.get $c) (i32.const 32)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.store (i32.const 4) (local.get $n))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
    (drop (call $args_sizes_get (i32.const 20) (i32.const 24)))
    (call $proc_exit (i32.sub (i32.load (i32.const 20)) (i32.const 1)))))`;

/**
 * A CPU-bound kernel: reads a little-endian u32 N from stdin, runs N rounds of xorshift64* and writes the final
 * 64-bit state (8 bytes, little-endian). Deterministic, so redundant runs agree.
 */
export const XORSHIFT_WAT = `(module
  ${WASI('fd_read', 'i32 i32 i32 i32')}
  ${WASI('fd_write', 'i32 i32 i32 i32')}
  (memory (export "memory") 1)
  (func $kernel (export "kernel") (param $n i32) (result i64) (local $x i64)
    (local.set $x (i64.const 0x9E3779B97F4A7C15))
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 12))))
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 25))))
      (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 27))))
      (local.set $x (i64.mul (local.get $x) (i64.const 0x2545F4914F6CDD1D)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $x))
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 4))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
    (i64.store (i32.const 128) (call $kernel (i32.load (i32.const 64))))
    (i32.store (i32.const 0) (i32.const 128))
    (i32.store (i32.const 4) (i32.const 8))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))))`;

/** Never returns. */
export const INFINITE_LOOP_WAT = `(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))`;

/** Grows its memory by 1 MiB at a time until growing fails, then traps. */
export const MEMORY_BOMB_WAT = `(module (memory (export "memory") 1)
  (func (export "_start")
    (loop $l (br_if $l (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    unreachable))`;

/** Writes 64 KiB to stdout forever. */
export const OUTPUT_FLOOD_WAT = `(module ${WASI('fd_write', 'i32 i32 i32 i32')} (memory (export "memory") 2)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 65536))
    (loop $l (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16))) (br $l))))`;

/**
 * Tries the host: looks for a preopened directory (fd 3), opens /etc/passwd under it, accepts a connection on
 * fd 3; writes the three WASI errnos it got as three bytes.
 */
export const ESCAPE_ATTEMPT_WAT = `(module
  ${WASI('fd_prestat_get', 'i32 i32')}
  ${WASI('path_open', 'i32 i32 i32 i32 i32 i64 i64 i32 i32')}
  ${WASI('sock_accept', 'i32 i32 i32')}
  ${WASI('fd_write', 'i32 i32 i32 i32')}
  (memory (export "memory") 1)
  (data (i32.const 256) "/etc/passwd")
  (func (export "_start")
    (i32.store8 (i32.const 512) (call $fd_prestat_get (i32.const 3) (i32.const 64)))
    (i32.store8 (i32.const 513) (call $path_open (i32.const 3) (i32.const 0) (i32.const 256) (i32.const 11)
      (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 64)))
    (i32.store8 (i32.const 514) (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 64)))
    (i32.store (i32.const 0) (i32.const 512))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))))`;

/** Imports a host function that is not WASI. */
export const FOREIGN_IMPORT_WAT = `(module (import "env" "connect" (func $connect (param i32) (result i32)))
  (memory (export "memory") 1) (func (export "_start") (drop (call $connect (i32.const 0)))))`;

let wabt: ReturnType<typeof wabtInit> | undefined;

/** Compiles WAT; `features` turns on wabt's proposals (threads, exceptions, ...) for modules that use them. */
export async function compileWat(source: string, features: Record<string, boolean> = {}): Promise<Uint8Array> {
  wabt ??= wabtInit();
  const module = (await wabt).parseWat('job.wat', source, features);
  try {
    module.validate();
    return Uint8Array.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** The little-endian u32 input of XORSHIFT_WAT. */
export function roundsInput(rounds: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(rounds);
  return b;
}

/** XORSHIFT_WAT's result computed in plain JavaScript, to check a run against. */
export function xorshiftExpected(rounds: number): Uint8Array {
  let x = 0x9e3779b97f4a7c15n;
  const mask = (1n << 64n) - 1n;
  for (let i = 0; i < rounds; i++) {
    x ^= x >> 12n;
    x = (x ^ (x << 25n)) & mask;
    x ^= x >> 27n;
    x = (x * 0x2545f4914f6cdd1dn) & mask;
  }
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(x);
  return b;
}

/**
 * A lying provider for tests: runs jobs in the real sandbox, then flips the first byte of every output it returns
 * (and proves that output, as a provider that lies would).
 */
export function lyingExecutor(real: JobExecutor): JobExecutor {
  return {
    async run(job, signal) {
      const result = await real.run(job, signal);
      if (result.failure || result.output.length === 0) return result;
      const output = Uint8Array.from(result.output);
      output[0] = (output[0] ?? 0) ^ 0xff;
      return { ...result, output };
    },
    close: () => real.close(),
  };
}

/** A process's scheduler state from /proc (R running, S sleeping, T stopped…); null once it is gone. Linux only. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/** This process's children (the job processes of every node it hosts) and their scheduler state. Linux only. */
export function childStates(): Map<number, string> {
  const states = new Map<number, string>();
  for (const tid of readdirSync('/proc/self/task')) {
    let children: string;
    try {
      children = readFileSync(`/proc/self/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const pid of children.split(' ').filter(Boolean).map(Number)) {
      const state = processState(pid);
      if (state !== null) states.set(pid, state); // else gone between the listing and the read
    }
  }
  return states;
}

/** The nodes of a VM test across peers: two honest providers, a lying one and a consumer, certified by one CA. */
export interface VmCast {
  readonly honest1: HyperMeshNode;
  readonly honest2: HyperMeshNode;
  readonly liar: HyperMeshNode;
  readonly consumer: HyperMeshNode;
  /** honest1, honest2 and liar. */
  readonly providers: readonly HyperMeshNode[];
}

/** Starts a CA named `caName` and the cast: the liar with `liar`'s overrides, the consumer with `consumer`'s config. */
export async function startVmCast(
  start: StartNode,
  caName: string,
  liar: NodeOverrides,
  consumer: Partial<NodeConfig> = {},
): Promise<VmCast> {
  const ca = await start({ authority: { name: caName } });
  const caAddress = formatHostPort(ca.transport!.address);
  const cast = {
    honest1: await start(),
    honest2: await start(),
    liar: await start({}, liar),
    consumer: await start(consumer),
  };
  const providers = [cast.honest1, cast.honest2, cast.liar];
  for (const n of [...providers, cast.consumer]) await certify(n, caAddress);
  return { ...cast, providers };
}
