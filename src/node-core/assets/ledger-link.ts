import type { StakeRecord } from '../consensus';
import type { Lease } from './adapter';
import type { RegisteredAsset } from './registry-types';

/**
 * What the asset registry and the Caesar ledger exchange, as small interfaces declared here (assets sit below the
 * ledger): the ledger satisfies StakeReader and AssetRecordSink, the registry is the ledger's record source.
 */

/** What the registry tells the ledger (the proofs' digests bind the records to the four-part proofs). */
export type AssetRecordEvent =
  | { readonly type: 'registered'; readonly asset: RegisteredAsset; readonly proofDigest: Uint8Array }
  | { readonly type: 'granted'; readonly assetId: string; readonly lease: Lease; readonly proofDigest: Uint8Array };

/** A node's stake as the Caesar ledger holds it (PoStake); undefined before the ledger has one (or a genesis). */
export interface StakeReader {
  stakeRecord(nodeId: string): StakeRecord | undefined;
}

/** Takes each registration and granted lease, to record it on the ledger. */
export interface AssetRecordSink {
  record(event: AssetRecordEvent): void;
}

/** The ledger as the registry uses it. */
export type AssetLedger = StakeReader & AssetRecordSink;
