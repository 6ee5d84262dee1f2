import { describe, expect, it } from 'vitest';
import { createConsensusWorkerPool, createInlineConsensusCompute } from './compute';
import { consensusProofFromJson, consensusProofToJson, decodeConsensusProof, encodeConsensusProof } from './encoding';
import { consensusParams } from './params';
import { leadingZeroBits, sectorHashesNow, solveWorkNow, timeChainNow, timeSeed, workOutput } from './primitives';
import {
  createConsensusProof,
  proofHeaderDigest,
  verifyConsensusProof,
  type ConsensusVerificationContext,
} from './proof';
import { commitSpace } from './space';
import {
  SMALL_PARAMS,
  T0,
  failureOf,
  makeFixture,
  reopen,
  resign,
  testBeacon,
  testNode,
  type Fixture,
} from './testing';
import type { ConsensusProof } from './types';

const fx: Fixture = await makeFixture();
const { proof, node } = fx;
const verify = (p: ConsensusProof | Uint8Array, ctx: Partial<ConsensusVerificationContext> = {}) =>
  failureOf(() => verifyConsensusProof(p, { ...fx.ctx, ...ctx }));
const mutate = (p: ConsensusProof, patch: (p: ConsensusProof) => ConsensusProof) => resign(patch(p), node);

describe('a valid consensus proof', () => {
  it('verifies, and reports who, where, what and when', () => {
    const v = verifyConsensusProof(proof, fx.ctx);
    expect(v.nodeId).toBe(node.nodeId);
    expect(v.subject).toEqual(fx.input.subject);
    expect(v.location).toBe('quic://203.0.113.7:4433');
    expect(v.capacity).toEqual({ cpuCores: 4, memoryMiB: 8192 });
    expect(v.timestamp).toBe(T0);
    expect(v.stake.amount).toBe('25.5');
    expect(proof.space.openings).toHaveLength(SMALL_PARAMS.space.challengeCount);
  });

  it('verifies from its binary and JSON encodings, which round-trip exactly', () => {
    const bytes = encodeConsensusProof(proof);
    expect(verify(bytes)).toBe('accepted');
    expect(encodeConsensusProof(decodeConsensusProof(bytes))).toEqual(bytes);
    const json = JSON.stringify(consensusProofToJson(proof));
    expect(verify(consensusProofFromJson(json))).toBe('accepted');
    expect(encodeConsensusProof(consensusProofFromJson(JSON.parse(json)))).toEqual(bytes);
  });

  it('is made the same by the worker pool as inline', async () => {
    const pool = createConsensusWorkerPool(2);
    try {
      const key = new Uint8Array(32).fill(7);
      expect(await pool.sectorHashes(key, 5, 100)).toEqual(sectorHashesNow(key, 5, 100).map((b) => Uint8Array.from(b)));
      expect(await pool.timeChain(key, 300, 100)).toEqual(timeChainNow(key, 300, 100));
      const d = { log2N: 4, r: 1, p: 1, difficultyBits: 3 };
      expect(await pool.solveWork(key, d)).toBe(solveWorkNow(key, d));
      const pooled = await makeFixture({ compute: pool });
      expect(
        encodeConsensusProof({ ...pooled.proof, stake: { ...pooled.proof.stake, signature: new Uint8Array() } }),
      ).toEqual(encodeConsensusProof({ ...proof, stake: { ...proof.stake, signature: new Uint8Array() } }));
      expect(failureOf(() => verifyConsensusProof(pooled.proof, pooled.ctx))).toBe('accepted');
    } finally {
      await pool.close();
    }
  });

  it('reuses a space commitment built beforehand', async () => {
    const commitment = await commitSpace(node.mldsaPublicKey, fx.input.subject.assetId, SMALL_PARAMS.space);
    const again = await createConsensusProof(fx.input, node, {
      params: SMALL_PARAMS,
      compute: createInlineConsensusCompute(),
      now: () => T0,
      spaceCommitment: commitment,
    });
    expect(again.space.root).toEqual(proof.space.root);
    expect(verify(again)).toBe('accepted');
  });

  it('is not made when this clock is behind the beacon', async () => {
    await expect(
      createConsensusProof({ ...fx.input, beacon: testBeacon(T0 + 5000) }, node, {
        params: SMALL_PARAMS,
        compute: createInlineConsensusCompute(),
        now: () => T0,
      }),
    ).rejects.toMatchObject({ reason: 'time.backdated' });
  });
});

describe('replay: a proof is bound to its subject', () => {
  it('is rejected for another asset, operation or counterparty', () => {
    const s = fx.input.subject;
    expect(verify(proof, { subject: { ...s, assetId: 'asset-cpu-2' } })).toBe('replay');
    expect(verify(proof, { subject: { ...s, operation: 'allocation' } })).toBe('replay');
    expect(verify(proof, { subject: { ...s, counterparty: 'someone-else' } })).toBe('replay');
  });

  it('cannot be relabelled and re-signed for another asset: every part is bound to the subject', async () => {
    const other = { ...fx.input.subject, assetId: 'asset-cpu-2' };
    const relabelled = mutate(proof, (p) => ({ ...p, subject: other }));
    expect(verify(relabelled, { subject: other })).toBe('time.chain');
    // With a time chain redone for the new subject, the space openings and the work still give it away.
    const d = proofHeaderDigest(relabelled);
    const checkpoints = timeChainNow(timeSeed(d), SMALL_PARAMS.time.steps, SMALL_PARAMS.time.checkpointInterval);
    const withTime = mutate(relabelled, (p) => ({ ...p, time: { ...p.time, checkpoints } }));
    expect(verify(withTime, { subject: other })).toBe('space.commitment');
    // ... and with the sectors of the new asset re-opened too, the work puzzle (bound to the old subject) fails.
    const reopened = await reopen(withTime, node, SMALL_PARAMS);
    expect(verify(reopened, { subject: other })).toBe('work.puzzle');
  });
});

describe('PoSpace (where)', () => {
  it('rejects a forged sector hash', () => {
    const forged = mutate(proof, (p) => {
      const [first, ...rest] = p.space.openings;
      const sectorHash = Uint8Array.from(first!.sectorHash);
      sectorHash[0]! ^= 1;
      return { ...p, space: { ...p.space, openings: [{ ...first!, sectorHash }, ...rest] } };
    });
    expect(verify(forged)).toBe('space.commitment');
  });

  it('rejects a commitment to sectors the node did not derive (another asset)', async () => {
    const foreign = await commitSpace(node.mldsaPublicKey, 'asset-other', SMALL_PARAMS.space);
    const forged = mutate(proof, (p) => ({ ...p, space: { ...p.space, root: foreign.root } }));
    expect(verify(forged)).toBe('space.commitment');
  });

  it('rejects a broken Merkle path', () => {
    const forged = mutate(proof, (p) => {
      const [first, ...rest] = p.space.openings;
      return { ...p, space: { ...p.space, openings: [{ ...first!, path: first!.path.slice(1) }, ...rest] } };
    });
    expect(verify(forged)).toBe('space.commitment');
  });
});

describe('PoStake (who)', () => {
  it('rejects a signature by another key, and any change after signing', () => {
    const other = testNode(2);
    expect(verify(resign(proof, other))).toBe('stake.signature');
    expect(verify({ ...proof, space: { ...proof.space, location: 'quic://198.51.100.1:4433' } })).toBe(
      'stake.signature',
    );
  });

  it('rejects a certificate that does not verify or names another node', () => {
    const other = testNode(3);
    fx.nodes.set(Buffer.from(other.chain[0]!).toString('hex'), other);
    try {
      expect(verify(mutate(proof, (p) => ({ ...p, stake: { ...p.stake, certificateChain: other.chain } })))).toBe(
        'stake.certificate',
      );
      expect(
        verify(proof, {
          verifyCertificate: () => {
            throw new Error('expired');
          },
        }),
      ).toBe('stake.certificate');
    } finally {
      fx.nodes.delete(Buffer.from(other.chain[0]!).toString('hex'));
    }
  });

  it('checks the stake against the ledger: present, equal, at least the minimum, locked long enough', () => {
    expect(verify(proof, { stakeOf: () => undefined })).toBe('stake.record');
    expect(verify(proof, { stakeOf: () => ({ ...fx.input.stake, amount: '30' }) })).toBe('stake.record');
    const small = { ...fx.input.stake, amount: '9.999999999999999999' };
    expect(
      verify(
        mutate(proof, (p) => ({ ...p, stake: { ...p.stake, record: small } })),
        { stakeOf: () => small },
      ),
    ).toBe('stake.insufficient');
    const unlocking = { ...fx.input.stake, lockedUntil: T0 + 60_000 };
    expect(
      verify(
        mutate(proof, (p) => ({ ...p, stake: { ...p.stake, record: unlocking } })),
        { stakeOf: () => unlocking },
      ),
    ).toBe('stake.unlocked');
  });
});

describe('PoWork (what/how)', () => {
  it('rejects a nonce that does not solve the puzzle', async () => {
    const header = proofHeaderDigest(proof);
    const difficulty = proof.work;
    let bad = proof.work.nonce + 1;
    while (leadingZeroBits(workOutput(header, bad, difficulty)) >= difficulty.difficultyBits) bad++;
    expect(verify(mutate(proof, (p) => ({ ...p, work: { ...p.work, nonce: bad } })))).toBe('space.commitment');
    // A forger that also re-opens its sectors for the new nonce is caught by the puzzle itself.
    const reopened = await reopen({ ...proof, work: { ...proof.work, nonce: bad } }, node, SMALL_PARAMS);
    expect(verify(reopened)).toBe('work.puzzle');
  });

  it('rejects a puzzle easier than the declared capacity requires', () => {
    const easier = mutate(proof, (p) => ({ ...p, work: { ...p.work, difficultyBits: p.work.difficultyBits - 1 } }));
    expect(verify(easier)).toBe('params');
    const smaller = mutate(proof, (p) => ({ ...p, work: { ...p.work, capacity: { cpuCores: 1, memoryMiB: 8192 } } }));
    expect(verify(smaller)).toBe('params');
  });
});

describe('PoTime (when)', () => {
  it('rejects a forged chain segment', () => {
    const forged = mutate(proof, (p) => {
      const checkpoints = p.time.checkpoints.map((c) => Uint8Array.from(c));
      checkpoints[2]![5]! ^= 0x80;
      return { ...p, time: { ...p.time, checkpoints } };
    });
    expect(verify(forged)).toBe('time.chain');
    expect(
      verify(mutate(proof, (p) => ({ ...p, time: { ...p.time, checkpoints: p.time.checkpoints.slice(1) } }))),
    ).toBe('time.chain');
  });

  it('samples segments of long chains with the verifier’s randomness', async () => {
    const params = consensusParams({
      ...SMALL_PARAMS,
      time: { ...SMALL_PARAMS.time, fullRerunMaxSteps: 0, segmentsChecked: 1 },
    });
    const f = await makeFixture({ params });
    const forged = resign(
      {
        ...f.proof,
        time: {
          ...f.proof.time,
          checkpoints: f.proof.time.checkpoints.map((c, i) => (i === 3 ? new Uint8Array(32) : c)),
        },
      },
      f.node,
    );
    const pick = (segment: number) => () => Buffer.from([0, 0, 0, 0, 0, segment]);
    expect(failureOf(() => verifyConsensusProof(forged, { ...f.ctx, randomBytes: pick(3) }))).toBe('time.chain');
    expect(failureOf(() => verifyConsensusProof(forged, { ...f.ctx, randomBytes: pick(4) }))).toBe('time.chain');
    // A segment the forgery does not touch passes: detection is probabilistic per verifier.
    expect(failureOf(() => verifyConsensusProof(forged, { ...f.ctx, randomBytes: pick(0) }))).toBe('accepted');
  });

  it('rejects a beacon the verifier does not know', () => {
    expect(verify(proof, { checkBeacon: () => false })).toBe('time.beacon');
    expect(
      verify(proof, {
        checkBeacon: () => {
          throw new Error('offline');
        },
      }),
    ).toBe('time.beacon');
  });

  it('rejects a back-dated proof: before its beacon, too old, or ahead of the clock', () => {
    const before = mutate(proof, (p) => ({ ...p, time: { ...p.time, timestamp: p.time.beacon.timestamp - 1 } }));
    expect(verify(before)).toBe('time.backdated');
    const { maxAgeMs, maxClockSkewMs, maxBeaconAgeMs } = SMALL_PARAMS.time;
    expect(verify(proof, { now: T0 + maxAgeMs + 1 })).toBe('time.expired');
    expect(verify(proof, { now: T0 + maxAgeMs })).toBe('accepted');
    expect(verify(proof, { now: T0 - maxClockSkewMs - 1 })).toBe('time.skew');
    expect(verify(proof, { now: T0 - maxClockSkewMs })).toBe('accepted');
    const late = mutate(proof, (p) => ({
      ...p,
      time: { ...p.time, timestamp: p.time.beacon.timestamp + maxBeaconAgeMs + 1 },
    }));
    expect(verify(late, { now: late.time.timestamp })).toBe('time.backdated');
  });
});

describe('parameters', () => {
  it('rejects proofs made with other parameters than the verifier’s', () => {
    const p = (o: Parameters<typeof consensusParams>[0]) => consensusParams({ ...SMALL_PARAMS, ...o });
    expect(verify(proof, { params: p({ space: { ...SMALL_PARAMS.space, challengeCount: 9 } }) })).toBe('params');
    expect(verify(proof, { params: p({ space: { ...SMALL_PARAMS.space, sectorCount: 128 } }) })).toBe('params');
    expect(verify(proof, { params: p({ time: { ...SMALL_PARAMS.time, steps: 1024 } }) })).toBe('params');
    expect(verify(proof, { params: p({ work: { ...SMALL_PARAMS.work, baseDifficultyBits: 1 } }) })).toBe('params');
  });

  it('refuses unsupported parameter sets', () => {
    expect(() => consensusParams({ time: { steps: 1000, checkpointInterval: 64 } })).toThrow(/params/);
    expect(() => consensusParams({ stake: { minimum: '-1' } })).toThrow(/params/);
    expect(() => consensusParams({ work: { baseLog2N: 12, maxLog2N: 10 } })).toThrow(/params/);
  });
});
