import { TrustError } from './errors';

/**
 * What a certificate carries to prove it is in its CA's transparency log (the CT-proof extension's payload):
 * the signed tree head it was logged under and the audit path of its leaf.
 *
 * Wire form: [version u8 = 1][logId 32][leafIndex u64][treeSize u64][timestamp u64 ms][rootHash 32]
 * [signature length u16][signature][path length u8][path hashes, 32 bytes each]. All integers big-endian.
 */
export interface CtProof {
  readonly logId: Uint8Array;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly timestamp: number;
  readonly rootHash: Uint8Array;
  readonly signature: Uint8Array;
  readonly path: readonly Uint8Array[];
}

const HASH = 32;
const MAX_PATH = 64;

export function encodeCtProof(proof: CtProof): Uint8Array {
  if (proof.logId.length !== HASH || proof.rootHash.length !== HASH)
    throw new TrustError('CT proof hashes must be 32 bytes');
  if (proof.path.length > MAX_PATH) throw new TrustError('CT audit path too long');
  if (proof.signature.length > 0xffff) throw new TrustError('CT head signature too long');
  const out = Buffer.alloc(1 + HASH + 24 + HASH + 2 + proof.signature.length + 1 + HASH * proof.path.length);
  let o = 0;
  out[o++] = 1;
  out.set(proof.logId, o);
  o += HASH;
  out.writeBigUInt64BE(BigInt(proof.leafIndex), o);
  out.writeBigUInt64BE(BigInt(proof.treeSize), o + 8);
  out.writeBigUInt64BE(BigInt(proof.timestamp), o + 16);
  o += 24;
  out.set(proof.rootHash, o);
  o += HASH;
  out.writeUInt16BE(proof.signature.length, o);
  o += 2;
  out.set(proof.signature, o);
  o += proof.signature.length;
  out[o++] = proof.path.length;
  for (const h of proof.path) {
    if (h.length !== HASH) throw new TrustError('CT audit path hashes must be 32 bytes');
    out.set(h, o);
    o += HASH;
  }
  return out;
}

export function decodeCtProof(bytes: Uint8Array): CtProof {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (n: number, o: number) => {
    if (o + n > b.length) throw new TrustError('the CT proof is truncated');
  };
  need(1 + HASH + 24 + HASH + 2, 0);
  if (b[0] !== 1) throw new TrustError(`unknown CT proof version ${b[0]}`);
  let o = 1;
  const logId = Uint8Array.from(b.subarray(o, o + HASH));
  o += HASH;
  const big = (at: number) => {
    const v = b.readBigUInt64BE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new TrustError('a CT proof number is out of range');
    return Number(v);
  };
  const leafIndex = big(o);
  const treeSize = big(o + 8);
  const timestamp = big(o + 16);
  o += 24;
  const rootHash = Uint8Array.from(b.subarray(o, o + HASH));
  o += HASH;
  const sigLen = b.readUInt16BE(o);
  o += 2;
  need(sigLen + 1, o);
  const signature = Uint8Array.from(b.subarray(o, o + sigLen));
  o += sigLen;
  const pathLen = b[o++] ?? 0;
  if (pathLen > MAX_PATH) throw new TrustError('CT audit path too long');
  if (o + pathLen * HASH !== b.length) throw new TrustError('the CT proof has the wrong length');
  const path: Uint8Array[] = [];
  for (let i = 0; i < pathLen; i++) path.push(Uint8Array.from(b.subarray(o + i * HASH, o + (i + 1) * HASH)));
  if (leafIndex >= treeSize) throw new TrustError('the CT proof names a leaf outside its tree');
  return { logId, leafIndex, treeSize, timestamp, rootHash, signature, path };
}
