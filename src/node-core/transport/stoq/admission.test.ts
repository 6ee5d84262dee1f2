import { describe, expect, it } from 'vitest';
import { InitialAdmission, SourceBuckets, TokenBucket, sourceKey, type AdmissionLimits } from './admission';

const calm = { unvalidated: 0, total: 0 };

function admission(limits: Partial<AdmissionLimits> = {}) {
  const clock = { t: 0 };
  return { clock, a: new InitialAdmission(limits, () => clock.t) };
}

describe('token bucket', () => {
  it('lets a burst through, then one per 1/rate, and never more than the burst after a pause', () => {
    const b = new TokenBucket(10, 3, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.take(99)).toBe(false); // 0.99 of a token
    expect(b.take(100)).toBe(true);
    expect([b.take(60_000), b.take(60_000), b.take(60_000), b.take(60_000)]).toEqual([true, true, true, false]);
    expect(b.take(50_000)).toBe(false); // a clock going back adds nothing
  });
});

describe('per-source buckets', () => {
  it('keep sources apart, and forget the least recently seen when the table is full', () => {
    const s = new SourceBuckets(0, 1, 2);
    expect(s.take('10.0.0.1', 0)).toBe(true);
    expect(s.take('10.0.0.1', 0)).toBe(false);
    expect(s.take('10.0.0.2', 0)).toBe(true);
    expect(s.take('10.0.0.1', 0)).toBe(false); // 10.0.0.1 is now the most recent
    expect(s.take('10.0.0.3', 0)).toBe(true); // evicts 10.0.0.2
    expect(s.size).toBe(2);
    expect(s.take('10.0.0.1', 0)).toBe(false); // still remembered, still empty
    expect(s.take('10.0.0.2', 0)).toBe(true); // forgotten, so a fresh bucket
    expect(s.size).toBe(2);
  });

  it('count an IPv6 /64 as one source and an IPv4-mapped address as IPv4', () => {
    expect(sourceKey('2001:db8:1:2::1')).toBe(sourceKey('2001:db8:1:2:ffff::9'));
    expect(sourceKey('2001:db8:1:2::1')).not.toBe(sourceKey('2001:db8:1:3::1'));
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(sourceKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(sourceKey('192.0.2.1')).toBe('192.0.2.1');
    expect(sourceKey('2001:0db8:0000:0001:0:0:0:1')).toBe(sourceKey('2001:db8:0:1::'));
  });
});

describe('Initial admission', () => {
  it('accepts tokenless Initials while calm, and answers with a Retry under pressure', () => {
    const { a } = admission({ retryThreshold: 4 });
    expect(a.decide('::1', 'none', calm)).toEqual({ action: 'accept' });
    expect(a.decide('::1', 'none', { unvalidated: 3, total: 3 })).toEqual({ action: 'accept' });
    expect(a.decide('::1', 'none', { unvalidated: 4, total: 4 })).toEqual({ action: 'retry' });
    // A validated client is let in under the same pressure.
    expect(a.decide('::1', 'valid', { unvalidated: 200, total: 200 })).toEqual({ action: 'accept' });
    expect(a.counters).toMatchObject({ accepted: 3, retried: 1 });
  });

  it('answers with a Retry once tokenless Initials come faster than the rate, and is calm again later', () => {
    const { a, clock } = admission({ initialRatePerSec: 5 });
    const actions = Array.from({ length: 8 }, () => a.decide('192.0.2.1', 'none', calm).action);
    expect(actions).toEqual(['accept', 'accept', 'accept', 'accept', 'accept', 'retry', 'retry', 'retry']);
    clock.t += 1000;
    expect(a.decide('192.0.2.1', 'none', calm)).toEqual({ action: 'accept' });
  });

  it('drops invalid tokens, a full handshake table, and a source over its rate', () => {
    const { a, clock } = admission({ maxHandshakes: 10, perSourceBurst: 2, perSourceRatePerSec: 1 });
    expect(a.decide('::1', 'invalid', calm)).toEqual({ action: 'drop', reason: 'invalid-token' });
    expect(a.decide('::1', 'valid', { unvalidated: 0, total: 10 })).toEqual({
      action: 'drop',
      reason: 'handshake-table-full',
    });
    expect(a.decide('2001:db8::1', 'valid', calm).action).toBe('accept');
    expect(a.decide('2001:db8::2', 'none', calm).action).toBe('accept'); // same /64
    expect(a.decide('2001:db8::3', 'valid', calm)).toEqual({ action: 'drop', reason: 'source-rate' });
    expect(a.decide('2001:db9::1', 'valid', calm).action).toBe('accept'); // another source
    clock.t += 1000;
    expect(a.decide('2001:db8::3', 'valid', calm).action).toBe('accept');
    expect(a.counters.dropped).toEqual({
      'invalid-token': 1,
      'handshake-table-full': 1,
      'source-rate': 1,
      'retry-rate': 0,
    });
  });

  it('caps the Retries it sends per second', () => {
    const { a, clock } = admission({ retryThreshold: 0, retryRatePerSec: 3 });
    const actions = Array.from({ length: 5 }, () => a.decide('198.51.100.1', 'none', calm));
    expect(actions.map((d) => d.action)).toEqual(['retry', 'retry', 'retry', 'drop', 'drop']);
    expect(actions[4]).toEqual({ action: 'drop', reason: 'retry-rate' });
    clock.t += 1000;
    expect(a.decide('198.51.100.1', 'none', calm).action).toBe('retry');
  });

  it('keeps its source table bounded under a flood of distinct sources', () => {
    const { a } = admission({ maxSources: 100, initialRatePerSec: 1e9, retryThreshold: 1e9 });
    for (let i = 0; i < 10_000; i++) a.decide(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'none', calm);
    expect(a.sourceCount).toBe(100);
  });

  it('refuses limits that are not numbers ≥ 0', () => {
    expect(() => new InitialAdmission({ retryThreshold: -1 })).toThrow(RangeError);
    expect(() => new InitialAdmission({ perSourceBurst: Number.NaN })).toThrow(RangeError);
  });
});
