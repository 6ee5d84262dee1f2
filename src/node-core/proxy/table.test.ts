import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProxyError } from './errors';
import { PROXY_IO_MAX_BYTES, checkAccess, type ProxyMapping, type ProxyOperation } from './table';

const NOW = 1_800_000_000_000;
const mapping = (over: Partial<ProxyMapping> = {}): ProxyMapping => ({
  address: 'fd48:4d00:0000:0001:0000:0000:0001:0000',
  consumer: 'consumer',
  anonymous: false,
  assetId: 'hma1-memory-x',
  leaseId: 'lease',
  offset: 4096,
  length: 65_536,
  permissions: 'rw',
  createdAt: NOW - 1000,
  expiresAt: NOW + 60_000,
  state: 'active',
  ...over,
});

const failure = (fn: () => unknown): string | null => {
  try {
    fn();
    return null;
  } catch (err) {
    if (!(err instanceof ProxyError)) throw err;
    return err.failure;
  }
};

describe('the translation table\u2019s access check', () => {
  it('refuses unknown, someone else\u2019s, freed, revoked, expired, read-only and out-of-bounds accesses by name', () => {
    const ok = { op: 'read' as ProxyOperation, caller: 'consumer', offset: 0, length: 10, now: NOW };
    expect(failure(() => checkAccess(undefined, ok))).toBe('UNKNOWN_ADDRESS');
    expect(failure(() => checkAccess(mapping(), { ...ok, caller: 'other' }))).toBe('NOT_YOURS');
    expect(failure(() => checkAccess(mapping({ state: 'freed' }), ok))).toBe('FREED');
    expect(failure(() => checkAccess(mapping({ state: 'revoked' }), ok))).toBe('REVOKED');
    expect(failure(() => checkAccess(mapping(), { ...ok, now: NOW + 60_000 }))).toBe('EXPIRED');
    expect(failure(() => checkAccess(mapping({ permissions: 'r' }), { ...ok, op: 'write' }))).toBe('PERMISSION');
    expect(failure(() => checkAccess(mapping({ permissions: 'r' }), ok))).toBeNull();
    expect(failure(() => checkAccess(mapping(), { ...ok, offset: 65_530 }))).toBe('OUT_OF_BOUNDS');
    expect(failure(() => checkAccess(mapping(), { ...ok, offset: -1 }))).toBe('OUT_OF_BOUNDS');
    expect(failure(() => checkAccess(mapping(), { ...ok, offset: 0.5 }))).toBe('OUT_OF_BOUNDS');
    expect(failure(() => checkAccess(mapping(), { ...ok, offset: 0, length: 65_536 }))).toBeNull();
  });

  it('property: an access is allowed exactly when it lies inside the mapping, and then never reaches past it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 * 1024 * 1024 }),
        fc.integer({ min: -10, max: 5 * 1024 * 1024 }),
        fc.integer({ min: -10, max: PROXY_IO_MAX_BYTES + 10 }),
        fc.constantFrom<ProxyOperation>('read', 'write'),
        fc.constantFrom<'r' | 'rw'>('r', 'rw'),
        (length, offset, size, op, permissions) => {
          const m = mapping({ length, permissions });
          const inside = offset >= 0 && size >= 0 && size <= PROXY_IO_MAX_BYTES && offset + size <= length;
          const allowed = op === 'read' || permissions === 'rw';
          const got = failure(() => checkAccess(m, { op, caller: 'consumer', offset, length: size, now: NOW }));
          if (!allowed) expect(got).toBe('PERMISSION');
          else if (inside) expect(got).toBeNull();
          else expect(got).toBe('OUT_OF_BOUNDS');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
