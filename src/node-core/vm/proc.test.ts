import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { processCpuPreciseMs, processRunQueueWaitMs } from './proc';

const linux = process.platform === 'linux';

describe.runIf(linux)('what /proc says about a job process', () => {
  it('reads CPU time and run-queue wait of a live process, and null for one that is gone', async () => {
    // A child that burns CPU until told to stop: its CPU time must grow, its wait can only grow.
    const child = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
    const pid = child.pid ?? -1;
    try {
      const cpu0 = processCpuPreciseMs(pid);
      const wait0 = processRunQueueWaitMs(pid);
      expect(cpu0).not.toBeNull();
      expect(wait0).not.toBeNull();
      // Wait for the CPU time itself to move (an event, bounded by the test timeout), not for a fixed time.
      while ((processCpuPreciseMs(pid) ?? 0) <= (cpu0 ?? 0) + 50) await new Promise((r) => setTimeout(r, 20));
      expect(processRunQueueWaitMs(pid)).toBeGreaterThanOrEqual(wait0 ?? 0);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(processCpuPreciseMs(pid)).toBeNull();
    expect(processRunQueueWaitMs(pid)).toBeNull();
  });
});
