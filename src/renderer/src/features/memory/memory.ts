import { ErrorCode } from '../../../../shared/errors';
import { formatBytes } from '../../../../shared/privacy';
import {
  PROXY_FAILURES,
  type ProvidedMappingView,
  type ProxyFailure,
  type ProxyPermission,
  type RemoteMemoryRequest,
  type UsedPoolView,
} from '../../../../shared/proxy';
import { groupDigits } from '../wallet/wallet';

/* Renderer helpers for the Memory proxy page: sizes and traffic in words, the Allocate form, the node's refusals. */

export const MIB = 1024 ** 2;
/** What a pool may be, in whole MiB (the node takes 4 KiB – 1 GiB; the page asks in MiB). */
export const POOL_MIB = { min: 1, max: 1024 } as const;
/** How long a pool may be held, in whole minutes (the node's limit: 30 days). */
export const POOL_MINUTES = { min: 1, max: 43_200 } as const;

/** A size as people read it: "8 MiB", "1 GiB", "4 KiB", "0 B". */
export function formatSize(bytes: number): string {
  return formatBytes(bytes);
}

function count(n: number, one: string, many: string): string {
  return `${groupDigits(String(n))} ${n === 1 ? one : many}`;
}

/** What went through a mapping: "8 KiB read in 2 reads, 4 KiB written in 1 write". */
export function formatMappingTraffic(m: Pick<ProvidedMappingView, 'bytesRead' | 'bytesWritten' | 'reads' | 'writes'>): {
  readonly read: string;
  readonly written: string;
} {
  return {
    read: `${formatSize(m.bytesRead)} read in ${count(m.reads, 'read', 'reads')}`,
    written: `${formatSize(m.bytesWritten)} written in ${count(m.writes, 'write', 'writes')}`,
  };
}

/** What a pool's owner read and wrote through it: "8 KiB read, 12 KiB written". */
export function formatPoolTraffic(p: Pick<UsedPoolView, 'bytesRead' | 'bytesWritten'>): string {
  return `${formatSize(p.bytesRead)} read, ${formatSize(p.bytesWritten)} written`;
}

/** The page cache of a pool: "2 pages cached (8 KiB), 1 not yet written back". */
export function formatCache(p: Pick<UsedPoolView, 'cachedPages' | 'dirtyPages'>): string {
  const cached = `${count(p.cachedPages, 'page', 'pages')} cached (${formatSize(p.cachedPages * 4096)})`;
  if (p.dirtyPages === 0) return `${cached}, all written back`;
  return `${cached}, ${groupDigits(String(p.dirtyPages))} not yet written back`;
}

export const PERMISSION_TEXT: Readonly<Record<ProxyPermission, string>> = {
  r: 'read only',
  rw: 'read and write',
};

export const MAPPING_STATE_TEXT: Readonly<Record<ProvidedMappingView['state'], string>> = {
  active: '● Active',
  revoked: '✗ Revoked',
  freed: 'Freed',
  expired: 'Expired',
};

/** "1 replica (no redundancy)", "2 replicas of each page". */
export function formatReplicas(replicas: number): string {
  return replicas === 1 ? '1 copy of each page (no redundancy)' : `${replicas} copies of each page`;
}

/** A provider's score, 0–1, to three decimals as the node computes it. */
export function formatScore(score: number): string {
  return Number.isFinite(score) ? score.toFixed(3) : '—';
}

/** Locked stake as the ledger holds it (decimal Caesar). */
export function formatStake(stake: string): string {
  return `${groupDigits(stake)} Caesar`;
}

/** The failure a PROXY_REFUSED error names in its `reason` field (data, never the message); null if none. */
export function proxyFailureOf(reason: string | undefined): ProxyFailure | null {
  return PROXY_FAILURES.find((f) => f === reason) ?? null;
}

const FAILURE_TEXT: Readonly<Record<ProxyFailure, string>> = {
  UNKNOWN_ADDRESS: 'No such address.',
  OUT_OF_BOUNDS: 'Outside what is allowed.',
  PERMISSION: 'Not permitted.',
  FREED: 'The memory was freed.',
  EXPIRED: 'The lease has ended.',
  REVOKED: 'The provider revoked it.',
  NOT_YOURS: 'It belongs to another node.',
  INTEGRITY: 'The data failed its integrity check.',
  UNAVAILABLE: 'No provider could serve it.',
};

/** What a failed call means, in words, by the node's code (and for PROXY_REFUSED, by its reason). */
export function proxyErrorTitle(failure: { readonly code: string | null; readonly reason?: string }): string {
  const { code } = failure;
  if (code === null) return 'No answer from the node.';
  if (code === ErrorCode.ProxyRefused) {
    const refusal = proxyFailureOf(failure.reason);
    return refusal ? FAILURE_TEXT[refusal] : 'The memory proxy refused.';
  }
  if (code === ErrorCode.InvalidArgument) return 'The node refused the request as invalid.';
  return 'The node could not do it.';
}

/** The Allocate form as typed. */
export interface AllocateForm {
  readonly sizeMiB: string;
  readonly minutes: string;
  readonly providers: string;
  readonly replicas: string;
}

export const DEFAULT_ALLOCATE_FORM: AllocateForm = { sizeMiB: '64', minutes: '60', providers: '1', replicas: '1' };

export type AllocateFormErrors = Partial<Record<keyof AllocateForm, string>>;

export type ParsedAllocate =
  | { readonly ok: true; readonly request: Required<RemoteMemoryRequest> }
  | { readonly ok: false; readonly errors: AllocateFormErrors };

/** A whole number as typed ("8", " 8 "); null for anything else ("1.5", "8e2", "", "-1"). */
function wholeNumber(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,9}$/.test(t)) return null;
  return Number(t);
}

/**
 * Checks the Allocate form: a whole number of MiB from 1 to 1024, whole minutes from 1 to 30 days, 1 to
 * `maxProviders` providers (the user's setting) and 1 to that many replicas. Returns the request the node takes.
 */
export function parseAllocateForm(form: AllocateForm, maxProviders: number): ParsedAllocate {
  const errors: AllocateFormErrors = {};
  const size = wholeNumber(form.sizeMiB);
  if (size === null) {
    errors.sizeMiB = /^\s*\d*[.,]\d+\s*$/.test(form.sizeMiB)
      ? `Enter a whole number of MiB: a pool is ${POOL_MIB.min}–${POOL_MIB.max} whole MiB.`
      : `Enter the size in MiB, a whole number from ${POOL_MIB.min} to ${POOL_MIB.max}.`;
  } else if (size < POOL_MIB.min) {
    errors.sizeMiB = `A pool is at least ${POOL_MIB.min} MiB.`;
  } else if (size > POOL_MIB.max) {
    errors.sizeMiB = `A pool is at most ${POOL_MIB.max} MiB (1 GiB).`;
  }
  const minutes = wholeNumber(form.minutes);
  if (minutes === null || minutes < POOL_MINUTES.min || minutes > POOL_MINUTES.max) {
    const most = groupDigits(String(POOL_MINUTES.max));
    errors.minutes = `Enter whole minutes from ${POOL_MINUTES.min} to ${most} (30 days).`;
  }
  const providers = wholeNumber(form.providers);
  if (providers === null || providers < 1) {
    errors.providers = `Enter a whole number of providers from 1 to ${maxProviders}.`;
  } else if (providers > maxProviders) {
    const most = `${maxProviders} ${maxProviders === 1 ? 'provider' : 'providers'}`;
    errors.providers = `At most ${most}: your proxy preferences allow ${most} per pool.`;
  }
  const replicas = wholeNumber(form.replicas);
  const replicaLimit = errors.providers === undefined && providers !== null ? providers : null;
  if (replicas === null || replicas < 1) {
    errors.replicas = `Enter a whole number of copies from 1 to ${replicaLimit ?? 'the number of providers'}.`;
  } else if (replicaLimit !== null && replicas > replicaLimit) {
    const most = `${replicaLimit} ${replicaLimit === 1 ? 'copy' : 'copies'}`;
    errors.replicas = `At most ${most}: each copy of a page is on another provider, and the pool has ${replicaLimit}.`;
  }
  if (Object.keys(errors).length > 0 || size === null || minutes === null || providers === null || replicas === null) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    request: { bytes: size * MIB, durationMs: minutes * 60_000, providers, replicas, anonymous: false },
  };
}

/** Active mappings first, then the newest (the node sends newest first). */
export function sortMappings(mappings: readonly ProvidedMappingView[]): ProvidedMappingView[] {
  return [...mappings].sort((a, b) => {
    const active = Number(b.state === 'active') - Number(a.state === 'active');
    return active !== 0 ? active : Date.parse(b.createdAt) - Date.parse(a.createdAt);
  });
}
