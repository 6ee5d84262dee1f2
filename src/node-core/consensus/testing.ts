import { createHash } from 'node:crypto';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { createInlineConsensusCompute, type ConsensusCompute } from './compute';
import { reasonOf } from '../testing/reason';
import { proofSigningInput } from './encoding';
import { ConsensusError, type ConsensusFailure } from './errors';
import { consensusParams, type ConsensusParams } from './params';
import { indicesFromSeed } from './primitives';
import { commitSpace, openSectors, proofSpaceSeed } from './space';
import {
  createConsensusProof,
  proofHeaderDigest,
  type ConsensusProofInput,
  type ConsensusSigner,
  type ConsensusVerificationContext,
} from './proof';
import type { Beacon, ConsensusProof, StakeRecord } from './types';

/** Fixtures for the consensus tests and benchmark: small parameters, fake certificates, an in-memory ledger. */

export const SMALL_PARAMS: ConsensusParams = consensusParams({
  space: { sectorCount: 64, sectorSize: 256, challengeCount: 8, responseTimeMs: 1000 },
  stake: { minimum: '10', minLockMs: 3600_000 },
  work: { baseLog2N: 4, maxLog2N: 5, r: 1, p: 1, baseDifficultyBits: 2, maxDifficultyBits: 4 },
  time: { steps: 512, checkpointInterval: 64, segmentsChecked: 2, fullRerunMaxSteps: 1024 },
});

export const T0 = 1_700_000_000_000;

/** The check `fn` fails (the reason of its ConsensusError), or 'accepted' when it returns. */
export function failureOf(fn: () => unknown): ConsensusFailure | 'accepted' {
  const reason = reasonOf(fn, ConsensusError);
  return reason === 'no error' ? 'accepted' : reason;
}

export interface TestNode extends ConsensusSigner {
  readonly secretKey: Uint8Array;
  /** A stand-in for the TrustChain chain: the verifier's fake `verifyCertificate` looks it up. */
  readonly chain: readonly Uint8Array[];
}

export function testNode(seed: number): TestNode {
  const keys = ml_dsa65.keygen(new Uint8Array(32).fill(seed));
  const nodeId = createHash('sha256').update(keys.publicKey).digest('hex').slice(0, 52);
  return {
    nodeId,
    mldsaPublicKey: keys.publicKey,
    secretKey: keys.secretKey,
    sign: (m) => ml_dsa65.sign(m, keys.secretKey),
    chain: [Buffer.from(`cert:${nodeId}`)],
  };
}

export function testBeacon(timestamp = T0 - 60_000): Beacon {
  return {
    kind: 'ct-head',
    id: `log-a:${timestamp}`,
    timestamp,
    digest: createHash('sha256').update(`beacon ${timestamp}`).digest(),
  };
}

export interface Fixture {
  readonly node: TestNode;
  readonly input: ConsensusProofInput;
  readonly proof: ConsensusProof;
  readonly params: ConsensusParams;
  /** A context under which `proof` verifies; `ledger`, `nodes` and `beacons` can be changed by a test. */
  readonly ctx: ConsensusVerificationContext;
  readonly ledger: Map<string, StakeRecord>;
  readonly nodes: Map<string, TestNode>;
  readonly beacons: Beacon[];
}

export async function makeFixture(
  options: { params?: ConsensusParams; compute?: ConsensusCompute; node?: TestNode; now?: number } = {},
): Promise<Fixture> {
  const params = options.params ?? SMALL_PARAMS;
  const node = options.node ?? testNode(1);
  const beacon = testBeacon();
  const stake: StakeRecord = {
    nodeId: node.nodeId,
    amount: '25.5',
    lockedUntil: T0 + 30 * 86_400_000,
    ledgerRef: 'tx:1',
  };
  const input: ConsensusProofInput = {
    subject: { assetId: 'asset-cpu-1', operation: 'registration', counterparty: 'registry' },
    location: 'quic://203.0.113.7:4433',
    capacity: { cpuCores: 4, memoryMiB: 8192 },
    beacon,
    certificateChain: node.chain,
    stake,
  };
  const proof = await createConsensusProof(input, node, {
    params,
    compute: options.compute ?? createInlineConsensusCompute(),
    now: () => options.now ?? T0,
  });
  const ledger = new Map([[node.nodeId, stake]]);
  const nodes = new Map([[Buffer.from(node.chain[0] as Uint8Array).toString('hex'), node]]);
  const beacons = [beacon];
  const ctx: ConsensusVerificationContext = {
    subject: input.subject,
    now: T0 + 1000,
    params,
    verifyCertificate(chain) {
      const n = nodes.get(Buffer.from(chain[0] ?? []).toString('hex'));
      if (!n) throw new Error('unknown certificate');
      return { nodeId: n.nodeId, mldsaPublicKey: n.mldsaPublicKey };
    },
    stakeOf: (nodeId) => ledger.get(nodeId),
    checkBeacon: (b) =>
      beacons.some((k) => k.id === b.id && k.timestamp === b.timestamp && Buffer.compare(k.digest, b.digest) === 0),
  };
  return { node, input, proof, params, ctx, ledger, nodes, beacons };
}

/** Re-signs a modified proof, as a node forging its own proof would. */
export function resign(proof: ConsensusProof, node: TestNode): ConsensusProof {
  const signature = ml_dsa65.sign(proofSigningInput(proof), node.secretKey);
  return { ...proof, stake: { ...proof.stake, signature } };
}

/** Re-opens the space challenges of a modified proof (its header, chain output or nonce changed), as a forger would. */
export async function reopen(proof: ConsensusProof, node: TestNode, params: ConsensusParams): Promise<ConsensusProof> {
  const header = proofHeaderDigest(proof);
  const commitment = await commitSpace(node.mldsaPublicKey, proof.subject.assetId, params.space);
  const output = proof.time.checkpoints.at(-1) as Uint8Array;
  const indices = indicesFromSeed(
    proofSpaceSeed(header, commitment.root, output, proof.work.nonce),
    params.space.challengeCount,
    params.space.sectorCount,
  );
  const openings = openSectors(commitment, node.mldsaPublicKey, indices);
  return resign({ ...proof, space: { ...proof.space, root: commitment.root, openings } }, node);
}
