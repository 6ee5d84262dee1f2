import { describe, expect, it } from 'vitest';
import type { NodeApi } from '../../../../shared/api/contract';
import { ErrorCode, RemoteError } from '../../../../shared/errors';
import type { ProvidedMappingView, ProxyStatusView, UsedPoolView } from '../../../../shared/proxy';
import {
  DEFAULT_ALLOCATE_FORM,
  MIB,
  formatCache,
  formatMappingTraffic,
  formatPoolTraffic,
  formatReplicas,
  formatScore,
  formatSize,
  formatStake,
  parseAllocateForm,
  proxyErrorTitle,
  proxyFailureOf,
  sortMappings,
  type AllocateForm,
} from './memory';
import { createAppStore } from '../../store';

const form = (change: Partial<AllocateForm>): AllocateForm => ({ ...DEFAULT_ALLOCATE_FORM, ...change });

function mapping(change: Partial<ProvidedMappingView> & Pick<ProvidedMappingView, 'address'>): ProvidedMappingView {
  return {
    consumer: null,
    assetId: 'hma1-memory-x',
    leaseId: 'lease',
    length: 8 * MIB,
    permissions: 'rw',
    createdAt: '2026-01-01T00:00:00Z',
    expiresAt: '2026-01-01T01:00:00Z',
    state: 'active',
    bytesRead: 0,
    bytesWritten: 0,
    reads: 0,
    writes: 0,
    ...change,
  };
}

describe('memory proxy figures on screen', () => {
  it('writes sizes the way people read them', () => {
    expect(formatSize(8 * MIB)).toBe('8 MiB');
    expect(formatSize(1024 * MIB)).toBe('1 GiB');
    expect(formatSize(4096)).toBe('4 KiB');
    expect(formatSize(0)).toBe('0 B');
  });

  it('says what went through a mapping, with the number of operations, singular and plural', () => {
    expect(formatMappingTraffic({ bytesRead: 8192, reads: 2, bytesWritten: 4096, writes: 1 })).toEqual({
      read: '8 KiB read in 2 reads',
      written: '4 KiB written in 1 write',
    });
    expect(formatMappingTraffic({ bytesRead: 0, reads: 0, bytesWritten: 0, writes: 0 }).read).toBe(
      '0 B read in 0 reads',
    );
    expect(formatMappingTraffic({ bytesRead: 0, reads: 1234, bytesWritten: 0, writes: 0 }).read).toBe(
      '0 B read in 1,234 reads',
    );
  });

  it("says what a pool's owner read and wrote, and what its cache holds", () => {
    expect(formatPoolTraffic({ bytesRead: 8192, bytesWritten: 12288 })).toBe('8 KiB read, 12 KiB written');
    expect(formatCache({ cachedPages: 2, dirtyPages: 0 })).toBe('2 pages cached (8 KiB), all written back');
    expect(formatCache({ cachedPages: 1, dirtyPages: 1 })).toBe('1 page cached (4 KiB), 1 not yet written back');
    expect(formatCache({ cachedPages: 0, dirtyPages: 0 })).toBe('0 pages cached (0 B), all written back');
  });

  it('writes replicas, scores and stake plainly', () => {
    expect(formatReplicas(1)).toBe('1 copy of each page (no redundancy)');
    expect(formatReplicas(2)).toBe('2 copies of each page');
    expect(formatScore(0.73456)).toBe('0.735');
    expect(formatScore(Number.NaN)).toBe('—');
    expect(formatStake('1234.5')).toBe('1,234.5 Caesar');
    expect(formatStake('0')).toBe('0 Caesar');
  });

  it('lists active mappings first, newest first within each group', () => {
    const sorted = sortMappings([
      mapping({ address: 'old-revoked', state: 'revoked', createdAt: '2026-01-01T00:00:00Z' }),
      mapping({ address: 'old-active', createdAt: '2026-01-01T00:00:00Z' }),
      mapping({ address: 'new-freed', state: 'freed', createdAt: '2026-01-02T00:00:00Z' }),
      mapping({ address: 'new-active', createdAt: '2026-01-02T00:00:00Z' }),
    ]);
    expect(sorted.map((m) => m.address)).toEqual(['new-active', 'old-active', 'new-freed', 'old-revoked']);
  });
});

describe('the node’s refusals', () => {
  it('reads the failure a PROXY_REFUSED error carries as data (never its message)', () => {
    expect(proxyFailureOf('REVOKED')).toBe('REVOKED');
    expect(proxyFailureOf('UNAVAILABLE')).toBe('UNAVAILABLE');
    expect(proxyFailureOf('SOMETHING')).toBeNull();
    expect(proxyFailureOf(undefined)).toBeNull();
  });

  it('says what a refusal means, by code and reason', () => {
    expect(proxyErrorTitle({ code: ErrorCode.ProxyRefused, reason: 'UNAVAILABLE' })).toBe(
      'No provider could serve it.',
    );
    expect(proxyErrorTitle({ code: ErrorCode.ProxyRefused, reason: 'REVOKED' })).toBe('The provider revoked it.');
    expect(proxyErrorTitle({ code: ErrorCode.ProxyRefused })).toBe('The memory proxy refused.');
    expect(proxyErrorTitle({ code: ErrorCode.InvalidArgument })).toBe('The node refused the request as invalid.');
    expect(proxyErrorTitle({ code: null })).toBe('No answer from the node.');
    expect(proxyErrorTitle({ code: ErrorCode.Internal })).toBe('The node could not do it.');
  });
});

describe('the Allocate form', () => {
  it('turns a good form into the request the node takes', () => {
    expect(parseAllocateForm(form({ sizeMiB: ' 8 ', minutes: '10', providers: '1', replicas: '1' }), 3)).toEqual({
      ok: true,
      request: { bytes: 8 * MIB, durationMs: 600_000, providers: 1, replicas: 1, anonymous: false },
    });
    const edges = parseAllocateForm({ sizeMiB: '1024', minutes: '43200', providers: '3', replicas: '3' }, 3);
    expect(edges).toEqual({
      ok: true,
      request: { bytes: 1024 ** 3, durationMs: 43_200 * 60_000, providers: 3, replicas: 3, anonymous: false },
    });
    // Every request it makes is one the node's validator takes: whole 4 KiB pages, 4 KiB – 1 GiB.
    if (edges.ok) expect(edges.request.bytes % 4096).toBe(0);
  });

  it('refuses sizes that are not whole MiB from 1 to 1024, saying why', () => {
    const size = (sizeMiB: string) => {
      const parsed = parseAllocateForm(form({ sizeMiB }), 3);
      return parsed.ok ? null : (parsed.errors.sizeMiB ?? null);
    };
    const notWhole = 'Enter the size in MiB, a whole number from 1 to 1024.';
    const tooBig = 'A pool is at most 1024 MiB (1 GiB).';
    const cases: [string, string | null][] = [
      ['0', 'A pool is at least 1 MiB.'],
      ['1.5', 'Enter a whole number of MiB: a pool is 1–1024 whole MiB.'],
      ['2000', tooBig],
      ['1025', tooBig],
      ['', notWhole],
      ['-4', notWhole],
      ['1e3', notWhole],
      ['1', null],
    ];
    for (const [sizeMiB, error] of cases) expect(size(sizeMiB)).toBe(error);
  });

  it('refuses durations outside 1 minute – 30 days', () => {
    for (const minutes of ['0', '43201', '1.5', '']) {
      const parsed = parseAllocateForm(form({ minutes }), 3);
      expect(parsed.ok ? null : parsed.errors.minutes).toBe('Enter whole minutes from 1 to 43,200 (30 days).');
    }
  });

  it('keeps providers within the user’s maxProviders, and replicas within the providers', () => {
    const errors = (change: Partial<AllocateForm>, max = 3) => {
      const parsed = parseAllocateForm(form(change), max);
      return parsed.ok ? {} : parsed.errors;
    };
    expect(errors({ providers: '4' }).providers).toBe(
      'At most 3 providers: your proxy preferences allow 3 providers per pool.',
    );
    expect(errors({ providers: '2' }, 1).providers).toBe(
      'At most 1 provider: your proxy preferences allow 1 provider per pool.',
    );
    expect(errors({ providers: '0' }).providers).toBe('Enter a whole number of providers from 1 to 3.');
    expect(errors({ providers: '2', replicas: '3' }).replicas).toBe(
      'At most 2 copies: each copy of a page is on another provider, and the pool has 2.',
    );
    expect(errors({ providers: '2', replicas: '0' }).replicas).toBe('Enter a whole number of copies from 1 to 2.');
    // With no valid number of providers, the replicas are judged on their own.
    expect(errors({ providers: '9', replicas: '5' }).replicas).toBeUndefined();
    expect(errors({ providers: 'x', replicas: '' }).replicas).toBe(
      'Enter a whole number of copies from 1 to the number of providers.',
    );
    expect(errors({ providers: '3', replicas: '2' })).toEqual({});
  });

  it('reports every bad field at once', () => {
    const parsed = parseAllocateForm({ sizeMiB: '0', minutes: '0', providers: '0', replicas: '0' }, 3);
    expect(parsed.ok ? [] : Object.keys(parsed.errors).sort()).toEqual(['minutes', 'providers', 'replicas', 'sizeMiB']);
  });
});

describe('the proxy slice of the store', () => {
  const pool: UsedPoolView = {
    address: 'fd48:4d00:0000:0000:0000:0000:0000:0000',
    length: 8 * MIB,
    replicas: 1,
    shards: [],
    providers: [],
    createdAt: '2026-01-01T00:00:00Z',
    expiresAt: '2026-01-01T01:00:00Z',
    bytesRead: 0,
    bytesWritten: 0,
    cachedPages: 0,
    dirtyPages: 0,
  };
  const status: ProxyStatusView = { provided: [], used: [pool] };

  function fakeApi(methods: Partial<NodeApi>): NodeApi {
    return new Proxy(methods, {
      get: (target, name: string) =>
        (target as Record<string, unknown>)[name] ?? (() => Promise.reject(new Error(`${name} not stubbed`))),
    }) as NodeApi;
  }

  it('keeps the last known status when the node answers with an error, and says why', async () => {
    let fail = false;
    const store = createAppStore(
      fakeApi({
        getProxyStatus: async () => {
          if (fail) throw new RemoteError({ code: ErrorCode.Internal, message: 'database busy' });
          return status;
        },
      }),
    );
    await store.getState().refreshProxy();
    expect(store.getState().proxy).toEqual(status);
    fail = true;
    await store.getState().refreshProxy();
    expect(store.getState().proxy).toEqual(status);
    expect(store.getState().proxyError).toMatchObject({ code: ErrorCode.Internal, message: 'database busy' });
    expect(store.getState().connection).not.toBe('offline');
  });

  it('resolves actions with the node’s answer (then asks the status again) or its error with the code', async () => {
    let asked = 0;
    const store = createAppStore(
      fakeApi({
        getProxyStatus: async () => {
          asked++;
          return status;
        },
        allocateRemoteMemory: async () => pool,
        revokeMapping: async () => {
          throw new RemoteError({
            code: ErrorCode.ProxyRefused,
            message: 'UNKNOWN_ADDRESS: no mapping has this address',
            reason: 'UNKNOWN_ADDRESS',
          });
        },
      }),
    );
    const made = await store.getState().allocateRemoteMemory({ bytes: 8 * MIB, durationMs: 60_000 });
    expect(made).toEqual({ ok: true, value: pool });
    expect(asked).toBe(1);
    const refused = await store.getState().revokeMapping(pool.address);
    expect(refused).toEqual({
      ok: false,
      error: {
        code: ErrorCode.ProxyRefused,
        message: 'UNKNOWN_ADDRESS: no mapping has this address',
        reason: 'UNKNOWN_ADDRESS',
        issues: [],
      },
    });
    expect(asked).toBe(1);
    // No answer at all: the error carries no code.
    const lost = await store.getState().flushRemoteMemory(pool.address);
    expect(lost.ok ? null : lost.error.code).toBeNull();
  });
});
