import { afterAll, describe, expect, it } from 'vitest';
import { createSandbox, type JobLimits, type SandboxJob } from './sandbox';
import {
  ESCAPE_ATTEMPT_WAT,
  FOREIGN_IMPORT_WAT,
  INFINITE_LOOP_WAT,
  MEMORY_BOMB_WAT,
  OUTPUT_FLOOD_WAT,
  UPPERCASE_WAT,
  XORSHIFT_WAT,
  compileWat,
  roundsInput,
  xorshiftExpected,
} from './testing';

// Generous CPU and wall limits for the jobs that test something else (the machine may be loaded).
const LIMITS: JobLimits = { cpuMs: 60_000, wallMs: 600_000, memoryBytes: 16 * 2 ** 20, outputBytes: 1 << 20 };
const sandbox = createSandbox({ warmWorkers: 1, maxConcurrent: 2 });
afterAll(() => sandbox.close());

async function wasm(
  wat: string,
  input = '',
  limits: Partial<JobLimits> = {},
  args: string[] = [],
): Promise<SandboxJob> {
  return {
    kind: 'wasm',
    code: await compileWat(wat),
    input: Buffer.from(input),
    args,
    limits: { ...LIMITS, ...limits },
  };
}

function js(source: string, input = '', limits: Partial<JobLimits> = {}): SandboxJob {
  return {
    kind: 'js',
    code: Buffer.from(source),
    input: Buffer.from(input),
    args: ['a', 'b'],
    limits: { ...LIMITS, ...limits },
  };
}

describe('the Catalog VM sandbox', () => {
  it('runs a WASI command: stdin in, stdout out, argv and the exit status', async () => {
    const r = await sandbox.run(await wasm(UPPERCASE_WAT, 'hello, mesh!', {}, ['x', 'y']));
    expect(r.failure).toBeNull();
    expect(Buffer.from(r.output).toString()).toBe('HELLO, MESH!');
    expect(r.exitCode).toBe(2);
    expect(r.usage.memoryPeakBytes).toBe(2 * 65_536);
    const k = await sandbox.run(await wasm(XORSHIFT_WAT, ''));
    expect(k.failure).toBeNull();
    const kernel = await sandbox.run({ ...(await wasm(XORSHIFT_WAT)), input: roundsInput(100_000) });
    expect(Buffer.from(kernel.output).equals(Buffer.from(xorshiftExpected(100_000)))).toBe(true);
  });

  it('kills an infinite loop at its CPU limit and runs the next job', async () => {
    const r = await sandbox.run(await wasm(INFINITE_LOOP_WAT, '', { cpuMs: 300, wallMs: 600_000 }));
    expect(r.failure?.reason).toBe('cpu-limit');
    expect(r.usage.cpuMs).toBeGreaterThanOrEqual(300);
    const next = await sandbox.run(await wasm(UPPERCASE_WAT, 'still here'));
    expect(Buffer.from(next.output).toString()).toBe('STILL HERE');
  });

  it('kills a job at its wall-clock limit', async () => {
    const r = await sandbox.run(await wasm(INFINITE_LOOP_WAT, '', { cpuMs: 60_000, wallMs: 400 }));
    expect(r.failure?.reason).toBe('wall-limit');
  });

  it('stops a memory bomb at its memory limit', async () => {
    const r = await sandbox.run(
      await wasm(MEMORY_BOMB_WAT, '', { memoryBytes: 8 * 2 ** 20, cpuMs: 120_000, wallMs: 600_000 }),
    );
    expect(r.failure?.reason).toBe('memory-limit');
    expect(r.usage.memoryPeakBytes).toBeGreaterThan(7 * 2 ** 20);
    expect(r.usage.memoryPeakBytes).toBeLessThanOrEqual(8 * 2 ** 20);
    // A module that needs more than the limit to start is refused before it runs.
    const big = await sandbox.run(
      await wasm('(module (memory (export "memory") 200) (func (export "_start")))', '', { memoryBytes: 2 ** 20 }),
    );
    expect(big.failure).toMatchObject({ reason: 'memory-limit' });
    expect(big.failure?.message).toMatch(/12\.5 MiB of memory to start/);
  });

  it('stops a job that writes more than its output limit', async () => {
    const r = await sandbox.run(
      await wasm(OUTPUT_FLOOD_WAT, '', { outputBytes: 100_000, cpuMs: 120_000, wallMs: 600_000 }),
    );
    expect(r.failure?.reason).toBe('output-limit');
    expect(r.output).toHaveLength(0);
  });

  it('gives a job no file system and no network', async () => {
    const r = await sandbox.run(await wasm(ESCAPE_ATTEMPT_WAT));
    expect(r.failure).toBeNull();
    // EBADF: no preopened directory; ENOTCAPABLE for the path and the socket.
    expect([...r.output]).toEqual([8, 76, 76]);
    const foreign = await sandbox.run(await wasm(FOREIGN_IMPORT_WAT));
    expect(foreign.failure?.reason).toBe('invalid-module');
    expect(foreign.failure?.message).toMatch(/env\.connect/);
    const garbage = await sandbox.run({ ...(await wasm(UPPERCASE_WAT)), code: Buffer.from('not wasm at all') });
    expect(garbage.failure?.reason).toBe('invalid-module');
  });

  it('runs JavaScript in QuickJS with input, args and print, and nothing of Node', async () => {
    const r = await sandbox.run(js('print(input.toUpperCase(), args.length); 42', 'abc'));
    expect(r.failure).toBeNull();
    expect(Buffer.from(r.output).toString()).toBe('ABC 2\n');
    const value = await sandbox.run(js('[1, 2, 3].map((x) => x * 2)'));
    expect(Buffer.from(value.output).toString()).toBe('[2,4,6]');
    for (const escape of ['require("fs")', 'process.exit(1)', 'fetch("http://[::1]:1/")', 'import("node:fs")']) {
      const denied = await sandbox.run(js(escape));
      expect(denied.failure?.reason, escape).toBe('error');
    }
    const thrown = await sandbox.run(js('throw new TypeError("nope")'));
    expect(thrown.failure).toEqual({ reason: 'error', message: 'TypeError: nope' });
  });

  it('limits JavaScript jobs too: CPU, memory and output', async () => {
    const loop = await sandbox.run(js('for (;;) {}', '', { cpuMs: 300, wallMs: 600_000 }));
    expect(loop.failure?.reason).toBe('cpu-limit');
    // The memory limit is the one under test: the CPU and wall limits are far beyond what filling 8 MiB takes,
    // even on a loaded machine, so no other limit can act first.
    const bomb = await sandbox.run(
      js('const a = []; for (;;) a.push(new Uint8Array(1 << 20));', '', {
        memoryBytes: 8 * 2 ** 20,
        cpuMs: 120_000,
        wallMs: 600_000,
      }),
    );
    expect(bomb.failure?.reason).toBe('memory-limit');
    const flood = await sandbox.run(
      js('for (;;) print("y".repeat(1000))', '', { outputBytes: 50_000, cpuMs: 120_000, wallMs: 600_000 }),
    );
    expect(flood.failure?.reason).toBe('output-limit');
  });

  it('runs jobs side by side up to its concurrency', async () => {
    const job = { ...(await wasm(XORSHIFT_WAT)), input: roundsInput(1_000) };
    const results = await Promise.all(Array.from({ length: 5 }, () => sandbox.run(job)));
    for (const r of results) expect(Buffer.from(r.output).equals(Buffer.from(xorshiftExpected(1_000)))).toBe(true);
  });
});
