import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sthSigningInput, type SignedTreeHead } from '../trust/ct-log';
import { ConsensusError } from './errors';
import { DEFAULT_CONSENSUS_PARAMS, workDifficulty } from './params';
import { beaconFromTreeHead, ctHeadBeaconChecker } from './time';
import { chooseSpotChecks, commitJobResult, spotCheckJobResult } from './work';

const chunk = (i: number): Uint8Array => Buffer.from(`result of chunk ${i}`);

describe('job results: commit, then spot-check', () => {
  const results = Array.from({ length: 37 }, (_, i) => chunk(i));
  const job = commitJobResult(results);
  const indices = chooseSpotChecks(randomBytes(32), job.chunkCount, 5);

  it('passes an honest worker', async () => {
    expect(indices.every((i) => i >= 0 && i < 37)).toBe(true);
    await spotCheckJobResult(
      job,
      indices,
      indices.map((i) => job.open(i)),
      (i) => chunk(i),
    );
  });

  it('catches a result that does not match its re-run, or is not in the commitment', async () => {
    const lying = commitJobResult(results.map((r, i) => (i === indices[0] ? Buffer.from('made up') : r)));
    await expect(
      spotCheckJobResult(
        lying,
        indices,
        indices.map((i) => lying.open(i)),
        (i) => chunk(i),
      ),
    ).rejects.toThrow(/^work\.spot-check: .*does not match its re-run/);
    const swapped = indices.map((i) => ({ ...job.open(i), result: Buffer.from('other') }));
    await expect(spotCheckJobResult(job, indices, swapped, (i) => chunk(i))).rejects.toThrow(
      /^work\.spot-check: .*not in the committed result/,
    );
    await expect(spotCheckJobResult(job, indices, [], (i) => chunk(i))).rejects.toBeInstanceOf(ConsensusError);
  });
});

describe('work difficulty per declared capacity', () => {
  it('grows with cores and memory, within bounds', () => {
    const w = DEFAULT_CONSENSUS_PARAMS.work;
    expect(workDifficulty(w, { cpuCores: 1, memoryMiB: 1024 })).toEqual({ log2N: 9, r: 8, p: 1, difficultyBits: 4 });
    expect(workDifficulty(w, { cpuCores: 4, memoryMiB: 8192 })).toMatchObject({ log2N: 9, difficultyBits: 6 });
    expect(workDifficulty(w, { cpuCores: 16, memoryMiB: 16384 })).toMatchObject({ log2N: 10, difficultyBits: 8 });
    expect(workDifficulty(w, { cpuCores: 65536, memoryMiB: 2 ** 30 })).toMatchObject({ log2N: 10, difficultyBits: 12 });
    expect(() => workDifficulty(w, { cpuCores: 0, memoryMiB: 1 })).toThrow(ConsensusError);
  });
});

describe('CT tree heads as beacons', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const unsigned = { logId: randomBytes(32), treeSize: 12, timestamp: 1_700_000_000_000, rootHash: randomBytes(32) };
  const head = (signature: Uint8Array): SignedTreeHead => ({ ...unsigned, signature });
  const real = head(new Uint8Array(0));

  it('are accepted when the verifier knows the head and its signature holds', () => {
    const signed = head(sign('sha256', sthSigningInput(real), privateKey));
    const beacon = beaconFromTreeHead(signed);
    expect(beacon.id).toBe(`${Buffer.from(unsigned.logId).toString('hex')}:12`);
    const check = ctHeadBeaconChecker(
      (id) => (id === beacon.id ? signed : undefined),
      (_h, m, s) => verify('sha256', m, publicKey, s),
    );
    expect(check(beacon)).toBe(true);
    expect(check({ ...beacon, digest: randomBytes(32) })).toBe(false);
    expect(check({ ...beacon, timestamp: beacon.timestamp + 1 })).toBe(false);
    expect(check({ ...beacon, id: 'unknown' })).toBe(false);
    expect(check({ ...beacon, kind: 'ledger' })).toBe(false);
    const forged = head(randomBytes(64));
    const forgedCheck = ctHeadBeaconChecker(
      () => forged,
      (_h, m, s) => verify('sha256', m, publicKey, s),
    );
    expect(forgedCheck(beaconFromTreeHead(forged))).toBe(false);
  });
});
