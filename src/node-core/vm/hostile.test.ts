import { closeSync, mkdtempSync, openSync, readFileSync, readlinkSync, readdirSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../logging/log-book';
import { until } from '../testing/until';
import { HOSTILE_CORPUS, HOSTILE_LIMITS, TABLE_GROW_WAT, type HostileCase } from './hostile';
import { findExecutable } from './proc';
import { randomModule, runDirectly } from './random-module';
import { createSandbox, type JobLimits, type JobProcess, type Sandbox, type SandboxJob } from './sandbox';
import { INFINITE_LOOP_WAT, UPPERCASE_WAT, compileWat, processState } from './testing';

/**
 * Issue #26: nothing a job does takes down the provider. Every corpus item runs in a real sandbox (a child
 * process per job) and must fail with its reason; the provider (this process) must then still run a normal job.
 */

const MIB = 2 ** 20;
const logged: string[] = [];
const log: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (m) => logged.push(m),
  error: (m) => logged.push(m),
  child: () => log,
};
const sandbox = createSandbox({ warmWorkers: 2, maxConcurrent: 2, log });
afterAll(() => sandbox.close());

const upper = await compileWat(UPPERCASE_WAT);
const endless = await compileWat(INFINITE_LOOP_WAT);

/** A job that loops until it is stopped (its CPU limit far away unless `limits` says otherwise). */
function endlessJob(limits: Partial<SandboxJob['limits']> = {}): SandboxJob {
  return {
    kind: 'wasm',
    code: endless,
    input: new Uint8Array(0),
    args: [],
    limits: { ...HOSTILE_LIMITS, cpuMs: 600_000, ...limits },
  };
}

/** The survival check: the provider still serves a normal job, with the right output. */
async function stillServes(s: Sandbox = sandbox): Promise<void> {
  const limits = { ...HOSTILE_LIMITS, cpuMs: 60_000 }; // no failure expected: room in every limit
  const r = await s.run({ kind: 'wasm', code: upper, input: Buffer.from('alive'), args: [], limits });
  expect(r.failure).toBeNull();
  expect(Buffer.from(r.output).toString()).toBe('ALIVE');
}

/**
 * Rule 4 (docs/testing.md): only the limit a case tests can trip. CPU time gets room unless the case is about CPU
 * time (QuickJS's start, a 2 MiB body's validation or a pipe the parent drains late all cost CPU time, and more of it
 * on a loaded machine), and the wall clock has room for a nice-19 child beside busy loops to use its 400 ms.
 */
function limitsOf(c: HostileCase): JobLimits {
  const cpu = c.expect === 'cpu-limit' ? {} : { cpuMs: 60_000 };
  return { ...HOSTILE_LIMITS, wallMs: 600_000, ...cpu, ...c.limits };
}

async function runningJob(s: Sandbox): Promise<JobProcess> {
  return until('the job to be running', () => Promise.resolve(s.processes()[0]));
}

describe('the hostile corpus', () => {
  for (const c of HOSTILE_CORPUS) {
    it(`${c.name}: fails with ${c.expect ?? 'no failure'}, and the provider serves on`, async () => {
      const job: SandboxJob = {
        kind: c.kind,
        code: await c.code(),
        input: new Uint8Array(0),
        args: [],
        limits: limitsOf(c),
      };
      const r = await sandbox.run(job);
      expect(r.failure?.reason ?? null, r.failure?.message).toBe(c.expect);
      if (c.message) expect(r.failure?.message).toMatch(c.message);
      if (c.outputBytes !== undefined) expect(r.output).toHaveLength(c.outputBytes);
      await stillServes();
    });
  }
});

describe('a job process that dies', () => {
  it('fails its job as memory-limit when V8 runs out of heap in it, and the provider serves on', async () => {
    // A small V8 heap and a table cap far above it: table.grow exhausts the child's heap and V8 aborts it.
    const small = createSandbox({ warmWorkers: 0, heapMb: 32, moduleLimits: { tableElements: 10_000_000 }, log });
    try {
      const r = await small.run({
        kind: 'wasm',
        code: await compileWat(TABLE_GROW_WAT),
        input: new Uint8Array(0),
        args: [],
        limits: { ...HOSTILE_LIMITS, cpuMs: 60_000, memoryBytes: 1024 * MIB },
      });
      expect(r.failure?.reason, r.failure?.message).toBe('memory-limit');
      expect(logged.some((l) => /job process \d+ died .*memory-limit/.test(l))).toBe(true);
      await stillServes(small);
    } finally {
      await small.close();
    }
  });

  it('fails its job as crashed when it is killed from outside, with one line in the log', async () => {
    const before = logged.length;
    const job = sandbox.run(endlessJob());
    const p = await runningJob(sandbox);
    process.kill(p.pid, 'SIGKILL');
    const r = await job;
    expect(r.failure?.reason).toBe('crashed');
    expect(r.failure?.message).toMatch(/SIGKILL/);
    expect(logged.slice(before).filter((l) => l.includes(`job process ${p.pid} died`))).toHaveLength(1);
    await stillServes();
  });
});

describe('a job process', () => {
  it('has an empty environment, no descriptor of the node, the lowest priority and OS limits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hm-fd-'));
    const secret = join(dir, 'secret');
    const fd = openSync(secret, 'w');
    const s = createSandbox({ warmWorkers: 0 });
    try {
      const job = s.run(endlessJob());
      const p = await runningJob(s);
      const env = readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0').filter(Boolean);
      // Only what Node itself needs to open the IPC pipe.
      expect(env.map((e) => e.split('=')[0]).sort()).toEqual(['NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE']);
      const targets = readdirSync(`/proc/${p.pid}/fd`).map((f) => {
        try {
          return readlinkSync(`/proc/${p.pid}/fd/${f}`);
        } catch {
          return '';
        }
      });
      expect(targets).not.toContain(secret);
      expect(targets.filter((t) => t.startsWith('/') && !t.startsWith('/dev/null'))).toEqual([]);
      expect(getPriority(p.pid)).toBe(19);
      if (findExecutable('prlimit')) {
        const limits = readFileSync(`/proc/${p.pid}/limits`, 'utf8');
        expect(limits).toMatch(/Max core file size\s+0\s+0/);
        expect(limits).toMatch(/Max data size\s+\d+\s+\d+/);
      }
      p.pause();
      await s.close();
      expect((await job).failure).not.toBeNull();
    } finally {
      await s.close();
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pauses and resumes: stopped, no CPU used meanwhile, and paused time outside its wall-clock limit', async () => {
    const job = sandbox.run(endlessJob({ wallMs: 3_000 }));
    const p = await runningJob(sandbox);
    expect(p.pause()).toBe(true);
    expect(p.paused).toBe(true);
    await until('the process to be stopped', () => processState(p.pid) === 'T');
    const cpu = p.cpuMs();
    // Longer than the whole wall-clock limit: a paused job is not killed for the time it was stopped.
    await new Promise((r) => setTimeout(r, 3_500));
    expect(p.cpuMs()).toBe(cpu);
    expect(sandbox.processes()).toContain(p);
    expect(p.resume()).toBe(true);
    const r = await job;
    expect(r.failure?.reason).toBe('wall-limit');
    expect(r.usage.cpuMs).toBeGreaterThan(0);
    await stillServes();
  });
});

describe('random valid modules', () => {
  const SEEDS = Array.from({ length: 200 }, (_, i) => 0x5eed + i);

  it('are generated the same from the same seed, and all validate', () => {
    expect(randomModule(42).bytes).toEqual(randomModule(42).bytes);
    expect(randomModule(42).bytes).not.toEqual(randomModule(43).bytes);
    for (const seed of SEEDS) expect(WebAssembly.validate(randomModule(seed).bytes), `seed ${seed}`).toBe(true);
  });

  it('run in the sandbox with the output of a direct run: the provider serves each, and a normal job after', async () => {
    // A random module that runs and prints what a direct run prints is itself the survival check: a provider that
    // went down could not serve it. A normal job every 25 modules checks the same in the corpus' own terms.
    const queue = [...SEEDS];
    const worker = async (): Promise<void> => {
      for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
        const m = randomModule(seed);
        const r = await sandbox.run({
          kind: 'wasm',
          code: m.bytes,
          input: new Uint8Array(0),
          args: [],
          limits: { ...HOSTILE_LIMITS, cpuMs: 10_000 },
        });
        expect(r.failure, `seed ${seed}: ${r.failure?.message}`).toBeNull();
        expect(Buffer.from(r.output).equals(Buffer.from(runDirectly(m.bytes))), `seed ${seed}`).toBe(true);
        expect(r.output).toHaveLength(4 * m.functions);
        if (seed % 25 === 0) await stillServes();
      }
    };
    await Promise.all([worker(), worker()]);
    await stillServes();
  }, 600_000);
});
