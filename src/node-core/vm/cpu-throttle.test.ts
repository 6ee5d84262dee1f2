import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCpuThrottle, type CpuThrottle } from './cpu-throttle';
import type { JobProcess } from './sandbox';

/**
 * A CPU-bound job process on a virtual clock (a test double of the sandbox's JobProcess): it uses one core while it
 * runs. `lagMs` models a busy machine: a stop takes effect that much later than asked.
 */
class BusyProcess implements JobProcess {
  paused = false;
  private usedMs = 0;
  private runningSince: number;
  private stopsAt = 0;
  pauses = 0;

  constructor(
    readonly pid: number,
    private readonly lagMs = 0,
  ) {
    this.runningSince = Date.now();
  }

  cpuMs(): number {
    const now = Date.now();
    return this.paused ? this.usedMs : this.usedMs + Math.max(0, now - this.runningSince);
  }

  pause(): boolean {
    if (this.paused) return false;
    this.stopsAt = Date.now() + this.lagMs;
    this.usedMs += this.stopsAt - this.runningSince;
    this.paused = true;
    this.pauses++;
    return true;
  }

  resume(): boolean {
    if (!this.paused) return false;
    this.runningSince = Math.max(Date.now(), this.stopsAt);
    this.paused = false;
    return true;
  }
}

/** CPU use of all processes in each 2-second window (sampled every 100 ms), in cores. */
function peakWindowCores(samples: readonly number[]): number {
  let peak = 0;
  for (let i = 20; i < samples.length; i++) peak = Math.max(peak, ((samples[i] ?? 0) - (samples[i - 20] ?? 0)) / 2000);
  return peak;
}

describe('the CPU throttle', () => {
  let throttle: CpuThrottle | undefined;
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    throttle?.stop();
    vi.useRealTimers();
  });

  const run = (
    procs: BusyProcess[],
    allowed: () => number | null,
    seconds: number,
  ): { samples: number[]; concurrency: number[] } => {
    const concurrency: number[] = [];
    const byPid = new Map(procs.map((p) => [p.pid, p]));
    throttle = createCpuThrottle({
      allowedCores: allowed,
      cpuMs: (pid) => byPid.get(pid)?.cpuMs() ?? null,
      selfCpuMs: null, // the jobs' arithmetic alone
      now: () => Date.now(),
      setConcurrency: (n) => concurrency.push(n),
    });
    for (const p of procs) throttle.started(p);
    const samples: number[] = [];
    for (let i = 0; i <= seconds * 10; i++) {
      samples.push(procs.reduce((sum, p) => sum + p.cpuMs(), 0));
      vi.advanceTimersByTime(100);
    }
    return { samples, concurrency };
  };

  for (const [cores, jobs] of [
    [0.2, 1],
    [0.5, 2],
    [1, 2],
    [0.3, 3],
  ] as const) {
    it(`holds ${jobs} CPU-bound job(s) to ${cores} cores in every 2-second window, and lets them all run`, () => {
      const procs = Array.from({ length: jobs }, (_, i) => new BusyProcess(100 + i));
      const { samples, concurrency } = run(procs, () => cores, 10);
      expect(peakWindowCores(samples)).toBeLessThanOrEqual(cores * 1.05);
      // Work goes on at the allowance, shared by all the jobs (none starved).
      const total = (samples.at(-1) ?? 0) - (samples[20] ?? 0);
      expect(total / ((samples.length - 21) * 100)).toBeGreaterThan(cores * 0.9);
      for (const p of procs) expect(p.cpuMs()).toBeGreaterThan(0);
      expect(concurrency[0]).toBe(Math.ceil(cores));
    });
  }

  it('pays back the overrun of stops that take effect late (a busy machine), so windows still hold', () => {
    const procs = [new BusyProcess(1, 15), new BusyProcess(2, 15)];
    const { samples } = run(procs, () => 0.5, 12);
    expect(peakWindowCores(samples)).toBeLessThanOrEqual(0.5 * 1.05);
  });

  it('counts the node’s own CPU while jobs run (their supervision is work for peers too): the jobs get the rest', () => {
    const procs = [new BusyProcess(1), new BusyProcess(2)];
    const byPid = new Map(procs.map((p) => [p.pid, p]));
    const started = Date.now();
    throttle = createCpuThrottle({
      allowedCores: () => 0.5,
      cpuMs: (pid) => byPid.get(pid)?.cpuMs() ?? null,
      selfCpuMs: () => (Date.now() - started) * 0.2, // the node busy at 0.2 cores
      now: () => Date.now(),
    });
    for (const p of procs) throttle.started(p);
    vi.advanceTimersByTime(2000);
    const before = procs.reduce((sum, p) => sum + p.cpuMs(), 0);
    vi.advanceTimersByTime(4000);
    const jobs = (procs.reduce((sum, p) => sum + p.cpuMs(), 0) - before) / 4000;
    expect(jobs + 0.2).toBeLessThanOrEqual(0.5 * 1.05);
    expect(jobs).toBeGreaterThan(0.2);
  });

  it('never stops jobs the allowance covers whole', () => {
    const procs = [new BusyProcess(1), new BusyProcess(2)];
    run(procs, () => 2, 3);
    expect(procs.map((p) => p.pauses)).toEqual([0, 0]);
  });

  it('gives an idle process (a warm child waiting for a job) no share: the busy ones get the whole allowance', () => {
    const procs = [new BusyProcess(1), new BusyProcess(2)];
    const idle = new BusyProcess(3);
    idle.pause(); // a process that uses no CPU
    idle.resume = () => false;
    const byPid = new Map([...procs, idle].map((p) => [p.pid, p]));
    throttle = createCpuThrottle({
      allowedCores: () => 2,
      cpuMs: (pid) => byPid.get(pid)?.cpuMs() ?? null,
      selfCpuMs: null, // the jobs' arithmetic alone
      now: () => Date.now(),
    });
    for (const p of [...procs, idle]) throttle.started(p);
    vi.advanceTimersByTime(1000);
    const before = procs.reduce((sum, p) => sum + p.cpuMs(), 0);
    vi.advanceTimersByTime(2000);
    const used = procs.reduce((sum, p) => sum + p.cpuMs(), 0) - before;
    expect(used / 2000).toBeGreaterThan(1.95);
  });

  it('applies no limit while the allowance is not known', () => {
    const procs = [new BusyProcess(1)];
    run(procs, () => null, 2);
    expect(procs[0]?.pauses).toBe(0);
  });

  it('stops every job at a zero allowance (a snooze), keeps it alive, and lets it go on when the allowance returns', () => {
    let allowed = 1;
    const procs = [new BusyProcess(1), new BusyProcess(2)];
    const byPid = new Map(procs.map((p) => [p.pid, p]));
    throttle = createCpuThrottle({
      allowedCores: () => allowed,
      cpuMs: (pid) => byPid.get(pid)?.cpuMs() ?? null,
      selfCpuMs: null, // the jobs' arithmetic alone
      now: () => Date.now(),
    });
    for (const p of procs) throttle.started(p);
    vi.advanceTimersByTime(1000);
    allowed = 0;
    throttle.allowanceChanged();
    expect(procs.every((p) => p.paused)).toBe(true);
    const frozen = procs.map((p) => p.cpuMs());
    vi.advanceTimersByTime(5000);
    expect(procs.map((p) => p.cpuMs())).toEqual(frozen);
    expect(throttle.coresInUse()).toBe(0);
    allowed = 2;
    throttle.allowanceChanged();
    expect(procs.some((p) => p.paused)).toBe(false);
    vi.advanceTimersByTime(2000);
    expect(throttle.coresInUse()).toBeGreaterThan(1.8);
  });

  it('holds a job that joins once the allowance is shared out, until the next period', () => {
    const procs = [new BusyProcess(1), new BusyProcess(2)];
    const byPid = new Map(procs.map((p) => [p.pid, p]));
    throttle = createCpuThrottle({
      allowedCores: () => 1,
      cpuMs: (pid) => byPid.get(pid)?.cpuMs() ?? null,
      selfCpuMs: null, // the jobs' arithmetic alone
      now: () => Date.now(),
    });
    throttle.started(procs[0] as BusyProcess);
    vi.advanceTimersByTime(50);
    throttle.started(procs[1] as BusyProcess);
    expect(procs[1]?.paused).toBe(true);
    vi.advanceTimersByTime(60);
    expect(procs[1]?.paused).toBe(false);
  });

  it('lets every job go when it stops, and forgets ended ones', () => {
    const procs = [new BusyProcess(1), new BusyProcess(2)];
    run(procs, () => 0, 1);
    expect(procs.every((p) => p.paused)).toBe(true);
    throttle?.ended(procs[0] as BusyProcess);
    throttle?.stop();
    expect(procs[1]?.paused).toBe(false);
    expect(procs[0]?.paused).toBe(true); // ended: the sandbox kills it, the throttle leaves it alone
  });
});
