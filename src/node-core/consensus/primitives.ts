import { createHash, scryptSync } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { hash } from '../crypto';
import type { WorkDifficulty } from './params';

/**
 * The hashing the four parts are made of. Pure functions of their inputs; the worker threads (compute.ts) run the
 * same algorithms from a JavaScript string, and a test checks both give identical results.
 */

export const DOMAIN = {
  header: 'hypermesh/consensus/header/v1\0',
  signature: 'hypermesh/consensus/proof/v1\0',
  sector: 'hypermesh/consensus/sector/v1\0',
  space: 'hypermesh/consensus/space/v1\0',
  spaceLive: 'hypermesh/consensus/space-live/v1\0',
  work: 'hypermesh/consensus/work/v1\0',
  time: 'hypermesh/consensus/time/v1\0',
  job: 'hypermesh/consensus/job/v1\0',
  beacon: 'hypermesh/consensus/beacon/ct-head/v1\0',
} as const;

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

// ---------- PoSpace ----------

/** The key every sector of (public key, asset) is expanded from. */
export function sectorKey(mldsaPublicKey: Uint8Array, assetId: string): Buffer {
  const id = Buffer.from(assetId, 'utf8');
  return hash(DOMAIN.sector, u32(mldsaPublicKey.length), mldsaPublicKey, u32(id.length), id);
}

/** Sector i: SHAKE256(key ‖ u32 i), sectorSize bytes. */
export function deriveSector(key: Uint8Array, index: number, sectorSize: number): Buffer {
  return createHash('shake256', { outputLength: sectorSize }).update(key).update(u32(index)).digest();
}

export function sectorHash(key: Uint8Array, index: number, sectorSize: number): Buffer {
  return hash(deriveSector(key, index, sectorSize));
}

export function sectorHashesNow(key: Uint8Array, count: number, sectorSize: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) out.push(sectorHash(key, i, sectorSize));
  return out;
}

/** `count` indices in [0, size) drawn from a seed (duplicates possible). */
export function indicesFromSeed(seed: Uint8Array, count: number, size: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < count; j++) {
    const h = hash(seed, u32(j));
    out.push(h.readUIntBE(0, 6) % size); // 48 bits: the modulo bias is below 2^-28 for any size ≤ 2^20
  }
  return out;
}

// ---------- PoTime ----------

/** Seed of the delay chain: binds the header, and through it the beacon and the subject. */
export function timeSeed(headerDigest: Uint8Array): Buffer {
  return hash(DOMAIN.time, headerDigest);
}

/** `steps` iterations of SHA-256 from `start`. */
export function iterateSha256(start: Uint8Array, steps: number): Uint8Array {
  let x = Uint8Array.from(start);
  for (let i = 0; i < steps; i++) x = sha256(x);
  return x;
}

export function timeChainNow(seed: Uint8Array, steps: number, interval: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let x: Uint8Array = seed;
  for (let done = 0; done < steps; done += interval) {
    x = iterateSha256(x, interval);
    out.push(x);
  }
  return out;
}

// ---------- PoWork ----------

/** One scrypt evaluation of the puzzle for `nonce`. */
export function workOutput(headerDigest: Uint8Array, nonce: number, w: WorkDifficulty): Buffer {
  const N = 2 ** w.log2N;
  return scryptSync(Buffer.concat([headerDigest, u64(nonce)]), DOMAIN.work, 32, {
    N,
    r: w.r,
    p: w.p,
    maxmem: 256 * N * w.r * w.p + 1024 * 1024,
  });
}

export function leadingZeroBits(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) {
    if (b === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(b) - 24;
  }
  return n;
}

/** Searches nonces 0, 1, ... for one whose output has `difficultyBits` leading zero bits. */
export function solveWorkNow(headerDigest: Uint8Array, w: WorkDifficulty): number {
  const limit = 2 ** Math.min(52, w.difficultyBits + 12);
  for (let nonce = 0; nonce < limit; nonce++) {
    if (leadingZeroBits(workOutput(headerDigest, nonce, w)) >= w.difficultyBits) return nonce;
  }
  throw new Error(`no PoWork nonce found in ${limit} attempts`);
}
