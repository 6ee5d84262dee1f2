import { hash, verifyNow } from '../crypto';
import { sharedConsensusCompute, type ConsensusCompute } from './compute';
import { ConsensusError, fail } from './errors';
import {
  checkStakeRecord,
  checkWellFormed,
  decodeConsensusProof,
  encodeHeader,
  encodeHeaderChecked,
  proofSigningInput,
  proofSigningInputChecked,
} from './encoding';
import {
  DEFAULT_CONSENSUS_PARAMS,
  parseAmount,
  validateParams,
  workDifficulty,
  type ConsensusParams,
  type DeclaredCapacity,
} from './params';
import { DOMAIN, indicesFromSeed, timeSeed } from './primitives';
import { commitSpace, openSectors, proofSpaceSeed, verifyOpenings, type SpaceCommitment } from './space';
import { checkTimestamp, verifyTimeChain } from './time';
import type { Beacon, ConsensusProof, ConsensusSubject, StakeRecord } from './types';
import { verifyWork } from './work';

/** Who signs: a NodeIdentity fits (its `sign` is ML-DSA-65). */
export interface ConsensusSigner {
  readonly nodeId: string;
  readonly mldsaPublicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

export interface ConsensusProofInput {
  readonly subject: ConsensusSubject;
  /** The node's network location, signed as part of PoSpace. */
  readonly location: string;
  readonly capacity: DeclaredCapacity;
  /** The freshest beacon the node knows (a CA-signed tree head today: `beaconFromTreeHead`). */
  readonly beacon: Beacon;
  /** The node's TrustChain certificate chain, DER, leaf first. */
  readonly certificateChain: readonly Uint8Array[];
  /** The node's stake as the ledger records it. */
  readonly stake: StakeRecord;
}

export interface CreateConsensusProofOptions {
  /** Default DEFAULT_CONSENSUS_PARAMS; must equal what verifiers use. */
  readonly params?: ConsensusParams;
  /** Where the heavy parts run. Default: a shared worker pool (createInlineConsensusCompute() for tests). */
  readonly compute?: ConsensusCompute;
  /** The clock (ms since the epoch). Default Date.now. */
  readonly now?: () => number;
  /** A commitment already built for this key and asset (it does not change between proofs), to skip rebuilding. */
  readonly spaceCommitment?: SpaceCommitment;
}

/** SHA-256 over the declared fields: the value every part is bound to. */
export function proofHeaderDigest(proof: ConsensusProof): Buffer {
  return hash(DOMAIN.header, encodeHeader(proof));
}

const ZERO32 = new Uint8Array(32);

/**
 * Makes the four-part proof for `input.subject`. The space commitment, the time chain and the work puzzle run
 * concurrently on `options.compute`; then the challenged sectors are opened (Fiat–Shamir over all of them) and the
 * whole proof is signed.
 */
export async function createConsensusProof(
  input: ConsensusProofInput,
  signer: ConsensusSigner,
  options: CreateConsensusProofOptions = {},
): Promise<ConsensusProof> {
  const params = options.params ?? DEFAULT_CONSENSUS_PARAMS;
  validateParams(params);
  const timestamp = Math.floor((options.now ?? Date.now)());
  if (timestamp < input.beacon.timestamp) {
    throw new ConsensusError(
      'time.backdated',
      `this clock (${timestamp}) is behind the beacon (${input.beacon.timestamp})`,
    );
  }
  checkStakeRecord(input.stake);
  const difficulty = workDifficulty(params.work, input.capacity);
  const draft: ConsensusProof = {
    version: 1,
    subject: { ...input.subject },
    space: {
      location: input.location,
      sectorCount: params.space.sectorCount,
      sectorSize: params.space.sectorSize,
      root: ZERO32,
      openings: [],
    },
    stake: {
      nodeId: signer.nodeId,
      certificateChain: input.certificateChain.map((c) => Uint8Array.from(c)),
      record: { ...input.stake },
      signature: new Uint8Array(0),
    },
    work: { capacity: { ...input.capacity }, ...difficulty, nonce: 0 },
    time: {
      beacon: { ...input.beacon, digest: Uint8Array.from(input.beacon.digest) },
      timestamp,
      steps: params.time.steps,
      checkpointInterval: params.time.checkpointInterval,
      checkpoints: [],
    },
  };
  const header = proofHeaderDigest(draft);
  const compute = options.compute ?? sharedConsensusCompute();
  const reuse = options.spaceCommitment;
  const usable =
    reuse !== undefined &&
    reuse.assetId === input.subject.assetId &&
    reuse.sectorCount === params.space.sectorCount &&
    reuse.sectorSize === params.space.sectorSize;
  const [commitment, checkpoints, nonce] = await Promise.all([
    usable ? reuse : commitSpace(signer.mldsaPublicKey, input.subject.assetId, params.space, compute),
    compute.timeChain(timeSeed(header), params.time.steps, params.time.checkpointInterval),
    compute.solveWork(header, difficulty),
  ]);
  const output = checkpoints.at(-1) as Uint8Array;
  const indices = indicesFromSeed(
    proofSpaceSeed(header, commitment.root, output, nonce),
    params.space.challengeCount,
    params.space.sectorCount,
  );
  const unsigned: ConsensusProof = {
    ...draft,
    space: { ...draft.space, root: commitment.root, openings: openSectors(commitment, signer.mldsaPublicKey, indices) },
    work: { ...draft.work, nonce },
    time: { ...draft.time, checkpoints },
  };
  const signature = await signer.sign(proofSigningInput(unsigned));
  return { ...unsigned, stake: { ...unsigned.stake, signature: Uint8Array.from(signature) } };
}

/** What the verifier injects. Every callback is synchronous: verification does no I/O of its own. */
export interface ConsensusVerificationContext {
  /** What the proof must be for; anything else is a replay. */
  readonly subject: ConsensusSubject;
  /** The verifier's clock, ms since the epoch. */
  readonly now: number;
  /** Default DEFAULT_CONSENSUS_PARAMS. */
  readonly params?: ConsensusParams;
  /** Checks the TrustChain chain (e.g. with verifyNodeCertificate) and gives the node's NodeId and ML-DSA key. */
  verifyCertificate(chain: readonly Uint8Array[]): { readonly nodeId: string; readonly mldsaPublicKey: Uint8Array };
  /** The ledger's stake record for a node, if any. */
  stakeOf(nodeId: string): StakeRecord | undefined;
  /** Whether the beacon is genuine (e.g. ctHeadBeaconChecker, or the ledger's head at that height). */
  checkBeacon(beacon: Beacon): boolean;
  /** The verifier's randomness for choosing time-chain segments. Default crypto.randomBytes. */
  readonly randomBytes?: (n: number) => Uint8Array;
}

/** A proof that passed every check. */
export interface VerifiedConsensusProof {
  readonly nodeId: string;
  readonly mldsaPublicKey: Uint8Array;
  readonly subject: ConsensusSubject;
  readonly location: string;
  readonly capacity: DeclaredCapacity;
  readonly timestamp: number;
  readonly beacon: Beacon;
  /** The ledger's record (not the proof's copy, though they are equal). */
  readonly stake: StakeRecord;
  readonly spaceRoot: Uint8Array;
}

function sameSubject(a: ConsensusSubject, b: ConsensusSubject): boolean {
  return a.assetId === b.assetId && a.operation === b.operation && a.counterparty === b.counterparty;
}

function sameRecord(a: StakeRecord, b: StakeRecord): boolean {
  return (
    a.nodeId === b.nodeId && a.amount === b.amount && a.lockedUntil === b.lockedUntil && a.ledgerRef === b.ledgerRef
  );
}

function callback<T>(reason: 'stake.certificate' | 'stake.record' | 'time.beacon', what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConsensusError) throw err;
    throw new ConsensusError(reason, `${what}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Checks all four parts, in order of cost: encoding, subject (replay), parameters, clock, beacon, certificate,
 * signature, stake, time chain, space openings, work puzzle. Throws ConsensusError whose `reason` names the
 * first check that failed. Pure: no I/O, no clock reads (randomness only to pick time-chain segments).
 */
export function verifyConsensusProof(
  input: ConsensusProof | Uint8Array,
  ctx: ConsensusVerificationContext,
): VerifiedConsensusProof {
  const proof = input instanceof Uint8Array ? decodeConsensusProof(input) : input;
  if (!(input instanceof Uint8Array)) checkWellFormed(proof);
  const params = ctx.params ?? DEFAULT_CONSENSUS_PARAMS;
  if (ctx.params) validateParams(ctx.params);
  const { subject, space, stake, work, time } = proof;

  if (!sameSubject(subject, ctx.subject)) {
    fail('replay', `the proof is for ${subject.operation} of ${subject.assetId}, not of ${ctx.subject.assetId}`);
  }

  const difficulty = workDifficulty(params.work, work.capacity);
  if (space.sectorCount !== params.space.sectorCount || space.sectorSize !== params.space.sectorSize) {
    fail(
      'params',
      `space ${space.sectorCount}×${space.sectorSize} B, ${params.space.sectorCount}×${params.space.sectorSize} B required`,
    );
  }
  if (space.openings.length !== params.space.challengeCount) {
    fail('params', `${space.openings.length} space challenges answered, ${params.space.challengeCount} required`);
  }
  if (
    work.log2N !== difficulty.log2N ||
    work.r !== difficulty.r ||
    work.p !== difficulty.p ||
    work.difficultyBits !== difficulty.difficultyBits
  ) {
    fail('params', `the work puzzle does not have the difficulty the declared capacity requires`);
  }
  if (time.steps !== params.time.steps || time.checkpointInterval !== params.time.checkpointInterval) {
    fail(
      'params',
      `a time chain of ${time.steps} steps every ${time.checkpointInterval}, ${params.time.steps} every ${params.time.checkpointInterval} required`,
    );
  }

  checkTimestamp(time.timestamp, time.beacon, ctx.now, params.time);
  if (!callback('time.beacon', 'the beacon check failed', () => ctx.checkBeacon(time.beacon))) {
    fail('time.beacon', `beacon ${time.beacon.kind} ${time.beacon.id} is not known to this verifier`);
  }

  const cert = callback('stake.certificate', 'the certificate chain does not verify', () =>
    ctx.verifyCertificate(stake.certificateChain),
  );
  if (cert.nodeId !== stake.nodeId) {
    fail('stake.certificate', `the certificate is for ${cert.nodeId}, the proof claims ${stake.nodeId}`);
  }
  if (!verifyNow('ml-dsa-65', stake.signature, proofSigningInputChecked(proof), cert.mldsaPublicKey)) {
    fail('stake.signature', 'the ML-DSA-65 signature over the proof does not verify with the certified key');
  }

  if (stake.record.nodeId !== stake.nodeId) fail('stake.record', 'the stake record is for another node');
  const ledger = callback('stake.record', 'the stake lookup failed', () => ctx.stakeOf(stake.nodeId));
  if (!ledger) fail('stake.record', `the ledger has no stake for ${stake.nodeId}`);
  if (!sameRecord(ledger, stake.record)) fail('stake.record', 'the stake differs from the ledger record');
  const amount = parseAmount(ledger.amount);
  const minimum = parseAmount(params.stake.minimum) ?? 0n;
  if (amount === undefined || amount < minimum) {
    fail('stake.insufficient', `stake ${ledger.amount} is below the minimum ${params.stake.minimum}`);
  }
  if (ledger.lockedUntil < ctx.now + params.stake.minLockMs) {
    fail('stake.unlocked', `the stake unlocks at ${ledger.lockedUntil}, before ${ctx.now + params.stake.minLockMs}`);
  }

  const header = hash(DOMAIN.header, encodeHeaderChecked(proof));
  verifyTimeChain(timeSeed(header), time, params.time, ctx.randomBytes);
  const output = time.checkpoints.at(-1) as Uint8Array;
  const indices = indicesFromSeed(
    proofSpaceSeed(header, space.root, output, work.nonce),
    params.space.challengeCount,
    space.sectorCount,
  );
  verifyOpenings(
    {
      mldsaPublicKey: cert.mldsaPublicKey,
      assetId: subject.assetId,
      sectorCount: space.sectorCount,
      sectorSize: space.sectorSize,
      root: space.root,
    },
    indices,
    space.openings,
  );
  verifyWork(header, work.nonce, difficulty);

  return {
    nodeId: stake.nodeId,
    mldsaPublicKey: cert.mldsaPublicKey,
    subject: { ...subject },
    location: space.location,
    capacity: { ...work.capacity },
    timestamp: time.timestamp,
    beacon: time.beacon,
    stake: { ...ledger },
    spaceRoot: space.root,
  };
}
