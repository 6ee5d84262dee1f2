import { hash, sameBytes, MerkleTree, inclusionProof, leafHash, rootAt, verifyInclusion } from '../crypto';
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { createInlineConsensusCompute, type ConsensusCompute } from './compute';
import { fail } from './errors';
import type { SpaceParams } from './params';
import { DOMAIN, indicesFromSeed, sectorHash, sectorKey, u64 } from './primitives';
import type { SpaceOpening } from './types';

/**
 * PoSpace (where): a commitment to `sectorCount` sectors of `sectorSize` bytes expanded from the node's ML-DSA
 * public key and the asset id (SHAKE256), with an RFC 6962 Merkle root over the sectors' SHA-256 hashes. The
 * prover opens challenged sectors (hash + Merkle path); the verifier re-derives those sectors from the public key,
 * so it stores nothing.
 *
 * Limitation (see docs/consensus.md): sectors are public and cheap to derive, so today this proves a correctly
 * built commitment bound to the key, asset and location — not that the bytes are kept on disk.
 */
export interface SpaceCommitment {
  readonly assetId: string;
  readonly sectorCount: number;
  readonly sectorSize: number;
  readonly root: Uint8Array;
  readonly tree: MerkleTree;
}

export async function commitSpace(
  mldsaPublicKey: Uint8Array,
  assetId: string,
  params: Pick<SpaceParams, 'sectorCount' | 'sectorSize'>,
  compute: ConsensusCompute = createInlineConsensusCompute(),
): Promise<SpaceCommitment> {
  const key = sectorKey(mldsaPublicKey, assetId);
  const hashes = await compute.sectorHashes(key, params.sectorCount, params.sectorSize);
  const tree = MerkleTree.fromLeafHashes(hashes.map((h) => leafHash(h)));
  return {
    assetId,
    sectorCount: params.sectorCount,
    sectorSize: params.sectorSize,
    root: rootAt(tree, params.sectorCount),
    tree,
  };
}

/** The committed sector hash at `index` (the leaf is leafHash(sectorHash); the tree keeps only the leaf). */
export function openSectors(
  commitment: SpaceCommitment,
  mldsaPublicKey: Uint8Array,
  indices: readonly number[],
): SpaceOpening[] {
  const key = sectorKey(mldsaPublicKey, commitment.assetId);
  return indices.map((index) => ({
    index,
    sectorHash: sectorHash(key, index, commitment.sectorSize),
    path: inclusionProof(commitment.tree, index, commitment.sectorCount),
  }));
}

/** The Fiat–Shamir challenge seed of a proof: bound to the header (subject, beacon, ...), time output and work. */
export function proofSpaceSeed(
  headerDigest: Uint8Array,
  root: Uint8Array,
  timeOutput: Uint8Array,
  workNonce: number,
): Buffer {
  return hash(DOMAIN.space, headerDigest, root, timeOutput, u64(workNonce));
}

export interface SpaceCheck {
  readonly mldsaPublicKey: Uint8Array;
  readonly assetId: string;
  readonly sectorCount: number;
  readonly sectorSize: number;
  readonly root: Uint8Array;
}

/** Throws ConsensusError('space.commitment') unless each opening answers its index and verifies against root. */
export function verifyOpenings(check: SpaceCheck, indices: readonly number[], openings: readonly SpaceOpening[]): void {
  if (openings.length !== indices.length) {
    fail('space.commitment', `${openings.length} openings for ${indices.length} challenges`);
  }
  const key = sectorKey(check.mldsaPublicKey, check.assetId);
  indices.forEach((index, i) => {
    const o = openings[i] as SpaceOpening;
    if (o.index !== index) fail('space.commitment', `opening ${i} answers sector ${o.index}, not ${index}`);
    if (!sameBytes(o.sectorHash, sectorHash(key, index, check.sectorSize))) {
      fail('space.commitment', `sector ${index} is not the sector derived from the node's key and the asset`);
    }
    if (!verifyInclusion(leafHash(o.sectorHash), index, check.sectorCount, o.path, check.root)) {
      fail('space.commitment', `the Merkle path of sector ${index} does not lead to the committed root`);
    }
  });
}

// ---------- interactive (live) challenges ----------

/** A live challenge from a verifier: answer within `deadline`. */
export interface SpaceChallenge {
  readonly nonce: Uint8Array;
  readonly root: Uint8Array;
  readonly sectorCount: number;
  readonly challengeCount: number;
  /** ms since the epoch, by the verifier's clock. */
  readonly issuedAt: number;
  readonly deadline: number;
}

export interface SpaceResponse {
  readonly nonce: Uint8Array;
  readonly openings: readonly SpaceOpening[];
}

export function issueSpaceChallenge(
  commitment: { readonly root: Uint8Array; readonly sectorCount: number },
  params: Pick<SpaceParams, 'challengeCount' | 'responseTimeMs'>,
  now: number,
  randomBytes: (n: number) => Uint8Array = nodeRandomBytes,
): SpaceChallenge {
  return {
    nonce: Uint8Array.from(randomBytes(32)),
    root: Uint8Array.from(commitment.root),
    sectorCount: commitment.sectorCount,
    challengeCount: params.challengeCount,
    issuedAt: now,
    deadline: now + params.responseTimeMs,
  };
}

export function spaceChallengeIndices(challenge: SpaceChallenge): number[] {
  return indicesFromSeed(
    hash(DOMAIN.spaceLive, challenge.root, challenge.nonce),
    challenge.challengeCount,
    challenge.sectorCount,
  );
}

/** The prover's side. */
export function answerSpaceChallenge(
  commitment: SpaceCommitment,
  mldsaPublicKey: Uint8Array,
  challenge: SpaceChallenge,
): SpaceResponse {
  if (!sameBytes(challenge.root, commitment.root) || challenge.sectorCount !== commitment.sectorCount) {
    fail('space.challenge', 'the challenge is for another commitment');
  }
  return {
    nonce: Uint8Array.from(challenge.nonce),
    openings: openSectors(commitment, mldsaPublicKey, spaceChallengeIndices(challenge)),
  };
}

/**
 * The verifier's side: `receivedAt` is its own clock when the response arrived. Throws ConsensusError with
 * 'space.late' after the deadline, 'space.challenge' for a response to another challenge, 'space.commitment' for
 * a wrong sector or path.
 */
export function verifySpaceResponse(
  challenge: SpaceChallenge,
  response: SpaceResponse,
  check: Omit<SpaceCheck, 'root' | 'sectorCount'> & { readonly receivedAt: number },
): void {
  if (check.receivedAt > challenge.deadline) {
    fail('space.late', `answered ${check.receivedAt - challenge.deadline} ms after the deadline`);
  }
  if (!sameBytes(response.nonce, challenge.nonce)) fail('space.challenge', 'the response is to another challenge');
  verifyOpenings(
    { ...check, root: challenge.root, sectorCount: challenge.sectorCount },
    spaceChallengeIndices(challenge),
    response.openings,
  );
}
