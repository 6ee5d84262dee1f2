import { describe, expect, it } from 'vitest';
import { formatAmount } from '../../format';
import {
  GIB_UNIT,
  MIB_UNIT,
  bootstrapProblem,
  defaultAllocationAmount,
  formatTrustScore,
  fromBaseUnits,
  parseAllocationForm,
  parseSearchForm,
  peerStateText,
  toBaseUnits,
  EMPTY_SEARCH,
} from './mesh';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

function asset(unit: 'slots' | 'bytes' | 'bits/s', allowed: number) {
  return { assetId: 'hma1-memory-abcdefghij', capacity: { unit, total: allowed * 2, allowed } };
}

describe('mesh formatting', () => {
  it('formats capacity in human units', () => {
    expect(formatAmount(1, 'slots')).toBe('1 core');
    expect(formatAmount(4, 'slots')).toBe('4 cores');
    expect(formatAmount(8 * GIB, 'bytes')).toBe('8 GiB');
    expect(formatAmount(64 * MIB, 'bytes')).toBe('64 MiB');
    expect(formatAmount(100e6, 'bits/s')).toBe('100 Mbit/s');
    expect(formatAmount(2.5e9, 'bits/s')).toBe('2.5 Gbit/s');
    expect(formatAmount(500e3, 'bits/s')).toBe('500 kbit/s');
  });

  it('shows trust as a clamped percentage and peer state in words', () => {
    expect(formatTrustScore(0.5)).toBe('50 %');
    expect(formatTrustScore(0.876)).toBe('88 %');
    expect(formatTrustScore(1.2)).toBe('100 %');
    expect(formatTrustScore(Number.NaN)).toBe('0 %');
    expect(peerStateText({ connected: true, relayed: true })).toBe('connected through a relay');
    expect(peerStateText({ connected: true, relayed: false })).toBe('connected directly');
    expect(peerStateText({ connected: false, relayed: true })).toBe('not connected');
  });

  it('converts typed amounts to the asset unit and back', () => {
    expect(toBaseUnits('1.5', GIB_UNIT)).toBe(1.5 * GIB);
    expect(toBaseUnits(' 64 ', MIB_UNIT)).toBe(64 * MIB);
    expect(toBaseUnits('-1', MIB_UNIT)).toBeNull();
    expect(toBaseUnits('', MIB_UNIT)).toBeNull();
    expect(toBaseUnits('1e3', MIB_UNIT)).toBeNull();
    expect(fromBaseUnits(1.999 * MIB, MIB_UNIT)).toBe('1.99');
    expect(fromBaseUnits(64 * MIB, MIB_UNIT)).toBe('64');
  });

  it('prefills a sensible part, never more than offered', () => {
    expect(defaultAllocationAmount(asset('slots', 6))).toBe(1);
    expect(defaultAllocationAmount(asset('bytes', 4 * GIB))).toBe(64 * MIB);
    expect(defaultAllocationAmount(asset('bytes', 10 * MIB))).toBe(10 * MIB);
    expect(defaultAllocationAmount(asset('bits/s', 1e9))).toBe(10e6);
    expect(defaultAllocationAmount(asset('slots', 0))).toBe(0);
  });
});

describe('search form', () => {
  it('sends only the filters that are set, in the asset unit', () => {
    expect(parseSearchForm(EMPTY_SEARCH)).toEqual({ ok: true, query: {} });
    expect(
      parseSearchForm({ kind: 'memory', minCapacity: '2', maxPrice: '0.5', maxLatency: '80', verifiedOnly: true }),
    ).toEqual({
      ok: true,
      query: { kind: 'memory', minCapacity: 2 * GIB, maxPricePerHour: '0.5', maxLatencyMs: 80, requireAllProofs: true },
    });
    expect(parseSearchForm({ ...EMPTY_SEARCH, kind: 'bandwidth', minCapacity: '100' })).toEqual({
      ok: true,
      query: { kind: 'bandwidth', minCapacity: 100e6 },
    });
    // Without a kind the minimum has no unit, so it is not sent.
    expect(parseSearchForm({ ...EMPTY_SEARCH, minCapacity: '3' })).toEqual({ ok: true, query: {} });
  });

  it('names each field that is wrong', () => {
    const parsed = parseSearchForm({
      kind: 'cpu',
      minCapacity: '1.5',
      maxPrice: '0.123456789',
      maxLatency: '700000',
      verifiedOnly: false,
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.keys(parsed.errors).sort()).toEqual(['maxLatency', 'maxPrice', 'minCapacity']);
    expect(parseSearchForm({ ...EMPTY_SEARCH, maxPrice: '01' }).ok).toBe(false);
  });
});

describe('allocate form', () => {
  it('builds a request in the asset unit with the duration in ms', () => {
    expect(parseAllocationForm(asset('bytes', GIB), '64', '10')).toEqual({
      ok: true,
      request: { assetId: 'hma1-memory-abcdefghij', amount: 64 * MIB, durationMs: 600_000 },
    });
    expect(parseAllocationForm(asset('slots', 2), '2', '1')).toMatchObject({ ok: true, request: { amount: 2 } });
  });

  it('refuses more than offered, fractions of cores, nothing, and bad durations', () => {
    const tooMuch = parseAllocationForm(asset('bytes', 32 * MIB), '64', '10');
    expect(tooMuch).toEqual({ ok: false, amountError: 'At most 32 MiB is offered.', durationError: null });
    expect(parseAllocationForm(asset('slots', 4), '1.5', '10')).toMatchObject({ ok: false });
    expect(parseAllocationForm(asset('slots', 4), '0', '10')).toMatchObject({ ok: false });
    const badDuration = parseAllocationForm(asset('slots', 4), '1', '0');
    expect(badDuration).toMatchObject({ ok: false, amountError: null });
    expect(parseAllocationForm(asset('slots', 4), '1', '43201')).toMatchObject({ ok: false, amountError: null });
  });
});

describe('bootstrap peers', () => {
  it('accepts HOST:PORT lists separated by commas or spaces, and empty', () => {
    expect(bootstrapProblem('')).toBeNull();
    expect(bootstrapProblem('node.example.org:9292, [2001:db8::1]:9292 192.0.2.1:9292')).toBeNull();
  });

  it('names the entry that is not an address', () => {
    expect(bootstrapProblem('node.example.org:9292, nope')).toMatch(/^"nope" is not an address/);
    expect(bootstrapProblem('[::1]:70000')).toMatch(/"\[::1\]:70000"/);
    expect(bootstrapProblem(Array.from({ length: 33 }, (_, i) => `h${i}:1`).join(' '))).toMatch(/at most 32/);
  });
});
