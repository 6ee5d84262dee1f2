import type { DeclaredCapacity } from './params';

export const OPERATIONS = ['registration', 'allocation', 'block', 'execution'] as const;
export type ConsensusOperation = (typeof OPERATIONS)[number];

/**
 * What a proof is for. Bound into every part, so a proof made for one asset, operation or counterparty is
 * rejected for any other (replay).
 */
export interface ConsensusSubject {
  readonly assetId: string;
  readonly operation: ConsensusOperation;
  /** The other side: the allocating consumer's NodeId, or the registry for a registration ('' when none). */
  readonly counterparty: string;
}

export const BEACON_KINDS = ['ct-head', 'ledger'] as const;
export type BeaconKind = (typeof BEACON_KINDS)[number];

/**
 * An unpredictable, publicly checkable value known not to exist before `timestamp`: a CA-signed CT tree head
 * today (see `beaconFromTreeHead`), the Caesar ledger head later.
 */
export interface Beacon {
  readonly kind: BeaconKind;
  /** Names it for the verifier's lookup, e.g. `<logId hex>:<treeSize>` or a ledger height. */
  readonly id: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** 32 bytes. */
  readonly digest: Uint8Array;
}

/** A stake as the ledger records it. */
export interface StakeRecord {
  readonly nodeId: string;
  /** Decimal string, up to 18 fractional digits. */
  readonly amount: string;
  /** Milliseconds since the epoch. */
  readonly lockedUntil: number;
  /** Where the ledger keeps it (transaction id, account, ...). */
  readonly ledgerRef: string;
}

/** One challenged sector: its hash and its RFC 6962 Merkle path (leaf-side first). */
export interface SpaceOpening {
  readonly index: number;
  readonly sectorHash: Uint8Array;
  readonly path: readonly Uint8Array[];
}

/** PoSpace (where). */
export interface SpaceProof {
  /** The node's network location (host:port, region, ...); covered by the stake signature. */
  readonly location: string;
  readonly sectorCount: number;
  readonly sectorSize: number;
  /** Merkle root over the sector hashes. */
  readonly root: Uint8Array;
  /** One per challenge, in challenge order. */
  readonly openings: readonly SpaceOpening[];
}

/** PoStake (who). */
export interface StakeProof {
  readonly nodeId: string;
  /** The node's TrustChain certificate chain, DER, leaf first. */
  readonly certificateChain: readonly Uint8Array[];
  readonly record: StakeRecord;
  /** ML-DSA-65 over `proofSigningInput(proof)`: every other byte of the proof. */
  readonly signature: Uint8Array;
}

/** PoWork (what/how). */
export interface WorkProof {
  readonly capacity: DeclaredCapacity;
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
  readonly difficultyBits: number;
  readonly nonce: number;
}

/** PoTime (when). */
export interface TimeProof {
  readonly beacon: Beacon;
  /** The prover's clock when it started the proof, ms since the epoch. */
  readonly timestamp: number;
  readonly steps: number;
  readonly checkpointInterval: number;
  /** The chain value after every `checkpointInterval` steps; the last one is the chain's output. */
  readonly checkpoints: readonly Uint8Array[];
}

/** The four-part proof carried by every asset registration and allocation. */
export interface ConsensusProof {
  readonly version: 1;
  readonly subject: ConsensusSubject;
  readonly space: SpaceProof;
  readonly stake: StakeProof;
  readonly work: WorkProof;
  readonly time: TimeProof;
}
