/**
 * The NAT-like memory proxy as the UI sees it (docs/proxy.md). A proxy address is an IPv6-style address in
 * fd48:4d00::/32 that names one mapping — a window of a lease on a provider's memory — not a machine.
 */

export const PROXY_PREFIX = 'fd48:4d00';

export type ProxyPermission = 'r' | 'rw';

/** A mapping this node provides: its address translates to part of a lease a consumer holds on this node's memory. */
export interface ProvidedMappingView {
  readonly address: string;
  /** The consumer's NodeId; null when the consumer is Anonymous to this node (then it is never shown). */
  readonly consumer: string | null;
  readonly assetId: string;
  readonly leaseId: string;
  readonly length: number;
  readonly permissions: ProxyPermission;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly state: 'active' | 'revoked' | 'freed' | 'expired';
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly reads: number;
  readonly writes: number;
}

/** Why a provider was chosen, for the UI: the inputs and the score they gave. */
export interface ProviderChoiceView {
  readonly nodeId: string;
  /** Locked stake on the Caesar ledger (decimal Caesar), "0" without. */
  readonly stake: string;
  /** Whether its TrustChain certificate checks out now. */
  readonly certified: boolean;
  readonly rttMs: number | null;
  readonly trustScore: number;
  readonly score: number;
  readonly reason: string;
}

/** A remote memory pool this node uses: one address per shard, each on its own providers. */
export interface UsedPoolView {
  /** The pool's address (shard index 0). */
  readonly address: string;
  readonly length: number;
  /** How many providers hold each page (1: no redundancy). */
  readonly replicas: number;
  readonly shards: readonly {
    readonly address: string;
    readonly provider: string;
    readonly leaseId: string;
    readonly reachable: boolean;
    /** Why the shard is no longer used (its provider's last failure), or null. */
    readonly problem: string | null;
  }[];
  readonly providers: readonly ProviderChoiceView[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly cachedPages: number;
  readonly dirtyPages: number;
}

export interface ProxyStatusView {
  readonly provided: readonly ProvidedMappingView[];
  readonly used: readonly UsedPoolView[];
}

export interface RemoteMemoryRequest {
  /** Bytes of plaintext, 4 KiB – 1 GiB, a multiple of 4096. */
  readonly bytes: number;
  readonly durationMs: number;
  /** Providers to shard across (1 – settings.proxy.maxProviders); default 1. */
  readonly providers?: number;
  /** Copies of every page (1 – providers); default 1, or 2 when sharding over 3 or more. */
  readonly replicas?: number;
  /**
   * Through a peer that serves as a proxy (settings.proxy.serveAsProxy): it leases in its own name, so this node
   * never learns the provider's NodeId or address, nor the provider this node's. One provider only.
   */
  readonly anonymous?: boolean;
}

/** Largest read or write through the API in one call (bytes of plaintext; base64 on the wire). */
export const PROXY_API_MAX_BYTES = 1024 * 1024;

/** Why a memory-proxy access was refused: the `reason` of a PROXY_REFUSED error body (stable codes). */
export const PROXY_FAILURES = [
  'UNKNOWN_ADDRESS',
  'OUT_OF_BOUNDS',
  'PERMISSION',
  'FREED',
  'EXPIRED',
  'REVOKED',
  'NOT_YOURS',
  'INTEGRITY',
  'UNAVAILABLE',
] as const;
export type ProxyFailure = (typeof PROXY_FAILURES)[number];
