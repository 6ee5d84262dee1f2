import { describe, expect, it } from 'vitest';
import { TIMING_DEFAULTS, resolveTiming } from './node-config';

describe('resolveTiming', () => {
  it('fills in what the config leaves out from TIMING_DEFAULTS, per subsystem', () => {
    expect(resolveTiming()).toEqual(TIMING_DEFAULTS);
    const t = resolveTiming({ ledger: { tickMs: 250 }, trust: { refreshMs: 1_000 } });
    expect(t.ledger).toEqual({ ...TIMING_DEFAULTS.ledger, tickMs: 250 });
    expect(t.trust.refreshMs).toBe(1_000);
    expect(t.mesh).toEqual(TIMING_DEFAULTS.mesh);
  });

  it('re-announces every 6 mesh intervals when only the interval is shortened, else as given', () => {
    expect(resolveTiming({ mesh: { intervalMs: 500 } }).mesh).toEqual({ intervalMs: 500, announceIntervalMs: 3_000 });
    expect(resolveTiming({ mesh: { intervalMs: 500, announceIntervalMs: 9 } }).mesh.announceIntervalMs).toBe(9);
  });
});
