import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../testing/until';
import { createCpuThrottle } from './cpu-throttle';
import { processCpuPreciseMs } from './proc';
import { createSandbox, type SandboxJob } from './sandbox';
import { XORSHIFT_WAT, compileWat, processState, roundsInput } from './testing';

/**
 * XORSHIFT_WAT's kernel run in this process, without the sandbox: the answer a job of `rounds` must give. (The
 * BigInt reference, xorshiftExpected, would take minutes at this size; kernel tests check the two agree.)
 */
async function kernelHere(rounds: number): Promise<Buffer> {
  const noop = () => 0;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(await compileWat(XORSHIFT_WAT)), {
    wasi_snapshot_preview1: { fd_read: noop, fd_write: noop },
  });
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt.asUintN(64, (instance.exports.kernel as (n: number) => bigint)(rounds)));
  return out;
}

/** The throttle on real job processes: stopped by SIGSTOP, never killed, and let go on. */
describe('the CPU throttle on real job processes', () => {
  const sandbox = createSandbox({ warmWorkers: 0, maxConcurrent: 4 });
  afterAll(() => sandbox.close());
  // Seconds of CPU on any machine: a job of 30 M rounds (~50 ms) could boot, run and end between two polls of
  // `until`, which then never saw it running (a quiet CI machine did exactly that).
  const ROUNDS = 1_500_000_000;

  const kernelJob = async (rounds = ROUNDS): Promise<SandboxJob> => ({
    kind: 'wasm',
    code: await compileWat(XORSHIFT_WAT),
    input: roundsInput(rounds),
    args: [],
    // Room to spare: the machine may be loaded, and the job is held stopped for a while.
    limits: { cpuMs: 600_000, wallMs: 600_000, memoryBytes: 16 * 2 ** 20, outputBytes: 1 << 20 },
  });

  it(
    'stops a running job when the allowance drops to zero, then lets it finish with the right answer',
    {
      timeout: 600_000,
    },
    async () => {
      let allowed = 1;
      const throttle = createCpuThrottle({ allowedCores: () => allowed });
      sandbox.observe(throttle);
      try {
        const result = sandbox.run(await kernelJob());
        // A job child runs at nice 19: beside busy tests it may take a long while to boot (bound, not expectation).
        const job = await until('the job running', () => sandbox.processes()[0], 300_000);
        allowed = 0; // a rule tightens (a snooze) while the job runs
        throttle.allowanceChanged();
        await until('the job held stopped', () => job.paused);
        // SIGSTOP takes effect when the child next runs, which at nice 19 beside busy processes can be a while (CPU
        // time standing still for 100 ms once passed for stopped while it was only starved): wait for state T.
        await until('the job process to be stopped', () => processState(job.pid) === 'T', 120_000);
        const frozen = processCpuPreciseMs(job.pid);
        expect(frozen).not.toBeNull();
        // Proves nothing runs meanwhile (a sleep allowed by rule 2): several of the throttle's periods.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(job.paused).toBe(true);
        expect(processCpuPreciseMs(job.pid)).toBe(frozen);
        allowed = 1;
        throttle.allowanceChanged();
        const done = await result;
        expect(done.failure).toBeNull();
        expect(Buffer.from(done.output)).toEqual(await kernelHere(ROUNDS));
      } finally {
        throttle.stop();
        sandbox.observe(null);
      }
    },
  );

  // A bound, not an expectation: two nice-19 jobs, half a core between them, beside busy programs (test:stress ran
  // both 1.5 G-round jobs for more than 180 s). A tenth of the rounds still lasts far longer than the 10 ms watch.
  it(
    'runs whole processes for the allowance: two jobs under half a core run one at a time',
    { timeout: 600_000 },
    async () => {
      const throttle = createCpuThrottle({
        allowedCores: () => 0.5,
        setConcurrency: (n) => sandbox.setMaxConcurrent(n),
      });
      sandbox.observe(throttle);
      let most = 0;
      const watch = setInterval(() => (most = Math.max(most, sandbox.processes().length)), 10);
      try {
        throttle.allowanceChanged();
        const job = await kernelJob(ROUNDS / 10);
        const results = await Promise.all([sandbox.run(job), sandbox.run(job)]);
        for (const r of results) expect(r.failure).toBeNull();
        expect(most).toBe(1);
      } finally {
        clearInterval(watch);
        throttle.stop();
        sandbox.observe(null);
        sandbox.setMaxConcurrent(4);
      }
    },
  );
});
