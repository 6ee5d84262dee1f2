import type { AllocationType, PrivacyLevel, ProofKind, ResourceKind } from './settings';

/** How peers can reach this node, as the mesh (AutoNAT, relays) found out. */
export type Reachability = 'unknown' | 'public' | 'behind-nat' | 'relayed';

/** One peer in the mesh's peer book. JSON-safe. */
export interface MeshPeerView {
  readonly nodeId: string;
  /** The libp2p PeerId bound to the NodeId (docs/mesh.md). */
  readonly peerId: string | null;
  /** Where it was last reached, e.g. `[::1]:9292`. */
  readonly address: string | null;
  readonly connected: boolean;
  /** Connected only through a relay (no direct path yet). */
  readonly relayed: boolean;
  readonly lastSeen: string | null;
  readonly rttMs: number | null;
  /** 0–1: starts at 0.5, rises with valid messages, drops with rejected ones. */
  readonly trustScore: number;
  /** Messages from it that were refused (forged, expired, replayed, oversized). */
  readonly rejected: number;
  /** Why the last one was refused. */
  readonly lastRejection: string | null;
}

export interface MeshStatus {
  readonly state: 'off' | 'running';
  /** Why the mesh is off, in plain words. */
  readonly problem: string | null;
  readonly peerId: string | null;
  readonly reachability: Reachability;
  /** The addresses this node tells peers, direct and through relays. */
  readonly addresses: readonly string[];
  readonly peers: readonly MeshPeerView[];
  /** Peers in the DHT routing table. */
  readonly dhtPeers: number;
  /** Remote assets currently known (not expired). */
  readonly remoteAssets: number;
  readonly lastAnnouncedAt: string | null;
}

/** The WebGPU adapter a peer's GPU asset runs WGSL jobs on, as its owner announced (and signed) it. */
export interface GpuDeviceView {
  readonly vendor: string;
  readonly architecture: string;
  readonly description: string;
  /** A software adapter (SwiftShader): offered only by a node in GPU test mode. */
  readonly fallback: boolean;
  /** WebGPU limits by their WebGPU names (maxBufferSize, maxComputeInvocationsPerWorkgroup, …). */
  readonly limits: Readonly<Record<string, number>>;
}

/** A peer's shared asset as announced on the mesh. JSON-safe. */
export interface RemoteAssetView {
  /** The AssetId, or the `anon-…` handle of an Anonymous asset. */
  readonly assetId: string;
  /** The owner's NodeId; null for an Anonymous asset. */
  readonly owner: string | null;
  readonly kind: ResourceKind;
  readonly capacity: { readonly unit: 'slots' | 'bytes' | 'bits/s'; readonly total: number; readonly allowed: number };
  readonly privacyLevel: PrivacyLevel | null;
  readonly allocationType: AllocationType;
  /** The owner's minimum rate, Caesar per hour (decimal string). */
  readonly pricePerHour: string;
  /** What the owner asks of consumers. */
  readonly requiredProofs: Readonly<Record<ProofKind, boolean>>;
  /** For a GPU offered for WGSL jobs: its adapter; null for other kinds, or a GPU offered as VRAM only. */
  readonly device: GpuDeviceView | null;
  /** Measured round trip to the owner, when known. */
  readonly rttMs: number | null;
  readonly announcedAt: string;
  readonly expiresAt: string;
}

export interface AssetSearchQuery {
  readonly kind?: ResourceKind;
  /** At least this much allowed capacity, in the asset's unit. */
  readonly minCapacity?: number;
  /** At most this price, Caesar per hour (decimal string). */
  readonly maxPricePerHour?: string;
  /** Owners measured at most this far (owners not measured yet are left out). */
  readonly maxLatencyMs?: number;
  /** Only owners that ask all four proofs of consumers too (Verified-grade). */
  readonly requireAllProofs?: boolean;
}

export interface RemoteAllocationRequest {
  readonly assetId: string;
  readonly amount: number;
  readonly durationMs: number;
}

/** A lease this node holds on a peer's asset. */
export interface RemoteAllocationView {
  readonly leaseId: string;
  readonly assetId: string;
  readonly owner: string;
  readonly kind: ResourceKind;
  readonly amount: number;
  readonly unit: 'slots' | 'bytes' | 'bits/s';
  readonly grantedAt: string;
  readonly expiresAt: string;
  /** The owner's four-part proof for this allocation held on this node. */
  readonly ownerProofVerified: boolean;
}
