import { createHash } from 'node:crypto';

/** SHA-256 of the parts in order (strings as UTF-8): the hash every domain-separated digest is built from. */
export function hash(...parts: (Uint8Array | string)[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
