import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeCtProof, encodeCtProof, type CtProof } from './ct-proof';

const proof: CtProof = {
  logId: randomBytes(32),
  leafIndex: 5,
  treeSize: 9,
  timestamp: 1_700_000_000_000,
  rootHash: randomBytes(32),
  signature: randomBytes(3309),
  path: [randomBytes(32), randomBytes(32), randomBytes(32)],
};

describe('CT proof extension payload', () => {
  it('round-trips', () => {
    const back = decodeCtProof(encodeCtProof(proof));
    expect(back.leafIndex).toBe(5);
    expect(back.treeSize).toBe(9);
    expect(back.timestamp).toBe(proof.timestamp);
    expect(Buffer.from(back.signature).equals(Buffer.from(proof.signature))).toBe(true);
    expect(back.path.map((p) => Buffer.from(p).toString('hex'))).toEqual(
      proof.path.map((p) => Buffer.from(p).toString('hex')),
    );
  });

  it('refuses truncated, extended, unknown-version and inconsistent payloads with a reason', () => {
    const bytes = Buffer.from(encodeCtProof(proof));
    expect(() => decodeCtProof(bytes.subarray(0, 40))).toThrow(/truncated/);
    expect(() => decodeCtProof(bytes.subarray(0, bytes.length - 1))).toThrow(/wrong length|truncated/);
    expect(() => decodeCtProof(Buffer.concat([bytes, Buffer.alloc(1)]))).toThrow(/wrong length/);
    const v2 = Buffer.from(bytes);
    v2[0] = 2;
    expect(() => decodeCtProof(v2)).toThrow(/unknown CT proof version 2/);
    expect(() => decodeCtProof(encodeCtProof({ ...proof, leafIndex: 9 }))).toThrow(/outside its tree/);
    expect(() => encodeCtProof({ ...proof, rootHash: randomBytes(31) })).toThrow(/32 bytes/);
    expect(() => decodeCtProof(randomBytes(5000))).toThrow();
  });
});
