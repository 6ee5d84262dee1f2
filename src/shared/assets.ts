import type { ProofKind, ResourceKind } from './settings';

/** One resource of this node as an asset, for the Assets page and `getAssets`. JSON-safe. */
export interface AssetView {
  readonly kind: ResourceKind;
  /** False when the machine has none (e.g. no GPU); `summary` then says why. */
  readonly present: boolean;
  /** Plain words: "2 cores (Intel Xeon)", "no GPU found". */
  readonly summary: string;
  readonly unit: 'slots' | 'bytes' | 'bits/s';
  /** All of it, the share the user allows, what leases hold now. In `unit`. */
  readonly total: number;
  readonly allowed: number;
  readonly inUse: number;
  readonly leases: number;
  /** Leases above a cap the user lowered since (they run to their end; no new ones meanwhile). */
  readonly overCommitted: number;
  /** The universal id, once the asset is registered (shared and proven); null otherwise. */
  readonly assetId: string | null;
  readonly registration: {
    readonly state: 'not-shared' | 'pending' | 'registered' | 'failed';
    readonly registeredAt: string | null;
    /** Each of the four proofs, as checked on this node when it was created. */
    readonly proofs: Readonly<Record<ProofKind, boolean>> | null;
    readonly problem: string | null;
  };
  /** Who may see it, in words (follows the privacy level and allocation type). */
  readonly visibility: string;
}
