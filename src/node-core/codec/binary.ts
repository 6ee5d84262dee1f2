/**
 * The one binary reader/writer behind the node's canonical encodings (consensus proofs, ledger transactions,
 * blocks, genesis, sync pages): big-endian integers, str = u16 length ‖ UTF-8, bytes = u32 length ‖ data,
 * u64 as 8 bytes. Reading is strict (bounds, declared maximums, valid UTF-8, no trailing bytes); each format
 * passes its own `fail` so a bad input throws that subsystem's error with its stable code.
 */

/** Throws the caller's error for a malformed encoding; the message names the field. */
export type DecodeFail = (message: string) => never;

export class BinaryWriter {
  private readonly chunks: Buffer[] = [];
  u8(n: number): this {
    this.chunks.push(Buffer.from([n]));
    return this;
  }
  u16(n: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n);
    this.chunks.push(b);
    return this;
  }
  u32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    this.chunks.push(b);
    return this;
  }
  u64(n: number | bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(n));
    this.chunks.push(b);
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    if (b.length > 0xffff) throw new RangeError('string too long to encode');
    this.u16(b.length);
    this.chunks.push(b);
    return this;
  }
  bytes(b: Uint8Array): this {
    this.u32(b.length);
    return this.raw(b);
  }
  raw(b: Uint8Array): this {
    // A view, not a copy: done() copies once into the result.
    this.chunks.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class BinaryReader {
  private off = 0;
  private readonly buf: Buffer;
  constructor(
    bytes: Uint8Array,
    private readonly fail: DecodeFail,
  ) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private take(n: number, what: string): Buffer {
    if (this.off + n > this.buf.length) this.fail(`truncated at ${what} (offset ${this.off})`);
    const out = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return out;
  }
  get offset(): number {
    return this.off;
  }
  u8(what: string): number {
    return this.take(1, what).readUInt8(0);
  }
  u16(what: string): number {
    return this.take(2, what).readUInt16BE(0);
  }
  u32(what: string): number {
    return this.take(4, what).readUInt32BE(0);
  }
  /** A u64 that must fit a safe JS number (times, heights, nonces). */
  u64(what: string): number {
    const v = this.take(8, what).readBigUInt64BE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} is too large`);
    return Number(v);
  }
  /** A full-range u64 (amounts in base units). */
  big(what: string): bigint {
    return this.take(8, what).readBigUInt64BE(0);
  }
  str(what: string, max: number): string {
    const n = this.u16(what);
    if (n > max) this.fail(`${what} is ${n} bytes, at most ${max} allowed`);
    const raw = this.take(n, what);
    let s: string | undefined;
    try {
      s = UTF8.decode(raw);
    } catch {
      s = undefined;
    }
    return s ?? this.fail(`${what} is not valid UTF-8`);
  }
  bytes(what: string, max: number): Uint8Array {
    const n = this.u32(what);
    if (n > max) this.fail(`${what} is ${n} bytes, at most ${max} allowed`);
    return Uint8Array.from(this.take(n, what));
  }
  fixed(what: string, n: number): Uint8Array {
    return Uint8Array.from(this.take(n, what));
  }
  /** A u8 index into a list of names (an enum on the wire). */
  oneOf<T>(values: readonly T[], what: string): T {
    const index = this.u8(what);
    const v = values[index];
    return v === undefined ? this.fail(`unknown ${what} ${index}`) : v;
  }
  end(): void {
    if (this.off !== this.buf.length) this.fail(`${this.buf.length - this.off} trailing bytes`);
  }
}

/** What a signed record's signature covers: a domain tag, then every field before the signature. */
export function signingInput(domain: string, writeFields: (w: BinaryWriter) => void): Buffer {
  const w = new BinaryWriter().raw(Buffer.from(domain, 'ascii'));
  writeFields(w);
  return w.done();
}

/** A signed record on the wire: its fields, then the signature as bytes (u32 length ‖ data). */
export function withSignature(writeFields: (w: BinaryWriter) => void, signature: Uint8Array): Buffer {
  const w = new BinaryWriter();
  writeFields(w);
  return w.bytes(signature).done();
}
