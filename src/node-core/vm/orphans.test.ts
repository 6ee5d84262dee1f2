import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { LogBook } from '../logging/index';
import { until } from '../testing/until';
import { createThrottledSandbox } from './cpu-throttle';
import { JOB_OWNER_VARIABLE, findJobProcesses, sweepOrphanedJobs } from './orphans';
import type { Sandbox, SandboxJob } from './sandbox';
import { XORSHIFT_WAT, compileWat, roundsInput, xorshiftExpected } from './testing';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** A real process marked as a job of `owner`, stopped the way the CPU throttle stops one. */
async function stoppedJob(owner: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    env: { [JOB_OWNER_VARIABLE]: owner },
    stdio: 'ignore',
  });
  started.push(proc);
  await once(proc, 'spawn');
  proc.kill('SIGSTOP');
  return proc;
}

describe.runIf(process.platform === 'linux')('sweeping job processes a dead node left behind', () => {
  it('kills the stopped processes marked with this data folder, and no other', async () => {
    const owner = `/tmp/hypermesh-test-${randomUUID()}`;
    const orphan = await stoppedJob(owner);
    const otherNodes = await stoppedJob(`${owner}-other`);
    const prefixOnly = await stoppedJob(`${owner}/sub`);
    expect(findJobProcesses(owner)).toEqual([orphan.pid]);

    const exited = once(orphan, 'exit');
    expect(sweepOrphanedJobs(owner)).toEqual([orphan.pid]);
    expect(await exited).toEqual([null, 'SIGKILL']);
    expect(findJobProcesses(owner)).toEqual([]);
    for (const p of [otherNodes, prefixOnly]) expect(p.exitCode === null && p.signalCode === null).toBe(true);
    expect(findJobProcesses(`${owner}-other`)).toEqual([otherNodes.pid]);
  });

  it('finds nothing for a folder no process is marked with', () => {
    expect(sweepOrphanedJobs(`/tmp/hypermesh-test-${randomUUID()}`)).toEqual([]);
  });
});

describe.runIf(process.platform === 'linux')('a new node of the same data folder', () => {
  it('kills the job process an earlier one left stopped, and its own jobs run', async () => {
    const owner = `/tmp/hypermesh-test-${randomUUID()}`;
    const log = new LogBook().logger('vm');
    let allowed = 1;
    const first = createThrottledSandbox({ log, allowedCores: () => allowed, owner });
    const second: { sandbox?: Sandbox } = {};
    try {
      // A job the first node's throttle holds stopped (a snooze), as a throttled job is when a node dies.
      // Seconds of CPU, so it cannot end between two polls of `until` (it is killed long before).
      const held = first.sandbox.run(await wasmJob(1_500_000_000));
      const job = await until('the job running', () => first.sandbox.processes()[0], 300_000);
      allowed = 0;
      first.throttle.allowanceChanged();
      await until('the job held stopped', () => job.paused);
      expect(findJobProcesses(owner)).toContain(job.pid);

      const next = createThrottledSandbox({ log, allowedCores: () => 1, owner });
      second.sandbox = next.sandbox;
      const result = await held;
      expect(result.failure?.reason).toBe('crashed');
      const done = await next.sandbox.run(await wasmJob(1_000));
      expect(Buffer.from(done.output)).toEqual(Buffer.from(xorshiftExpected(1_000)));
      next.throttle.stop();
    } finally {
      first.throttle.stop();
      await Promise.all([first.sandbox.close(), second.sandbox?.close()]);
    }
  }, 600_000);
});

async function wasmJob(rounds: number): Promise<SandboxJob> {
  return {
    kind: 'wasm',
    code: await compileWat(XORSHIFT_WAT),
    input: roundsInput(rounds),
    args: [],
    limits: { cpuMs: 600_000, wallMs: 600_000, memoryBytes: 16 * 2 ** 20, outputBytes: 1 << 20 },
  };
}
