import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PAGE,
  STORED_PAGE,
  newPoolKey,
  openPage,
  placement,
  poolKey,
  proxyKemKeys,
  recoverPoolKey,
  sealPage,
  slotsPerShard,
} from './pool';

describe('pool layout', () => {
  it('property: every page has `replicas` copies on distinct providers, and no two pages share a slot', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        (pages, k, rRaw) => {
          const r = Math.min(rRaw, k);
          const slots = slotsPerShard(pages, k, r);
          const used = new Set<string>();
          for (let p = 0; p < pages; p++) {
            const shards = new Set<number>();
            for (let j = 0; j < r; j++) {
              const at = placement(p, j, k, r);
              expect(at.slot).toBeLessThan(slots);
              const key = `${at.shard}:${at.slot}`;
              expect(used.has(key)).toBe(false);
              used.add(key);
              shards.add(at.shard);
            }
            expect(shards.size).toBe(r); // so losing any one provider leaves a copy when r ≥ 2
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('page encryption', () => {
  it('recovers the pool key with ML-KEM, seals pages so the provider sees no plaintext, and catches tampering or swaps', () => {
    const keys = proxyKemKeys((label) => Buffer.alloc(32, label.length));
    const { cipherText, sharedSecret } = newPoolKey(keys.publicKey);
    expect(Buffer.from(recoverPoolKey(keys.secretKey, cipherText))).toEqual(Buffer.from(sharedSecret));
    const key = poolKey(sharedSecret, 'fd48:4d00:0:0:0:0:0:0');
    const plain = randomBytes(PAGE);
    const stored = sealPage(key, 'pool', 3, plain);
    expect(stored.length).toBe(STORED_PAGE);
    expect(stored.includes(plain.subarray(100, 132))).toBe(false);
    expect(Buffer.from(openPage(key, 'pool', 3, stored))).toEqual(plain);
    // Moved to another page, or flipped: refused.
    expect(() => openPage(key, 'pool', 4, stored)).toThrow(/INTEGRITY/);
    const flipped = Buffer.from(stored);
    flipped[50] = (flipped[50] as number) ^ 1;
    expect(() => openPage(key, 'pool', 3, flipped)).toThrow(/INTEGRITY/);
    // A page never written reads as zeros.
    expect(openPage(key, 'pool', 9, new Uint8Array(STORED_PAGE)).every((b) => b === 0)).toBe(true);
  });
});
