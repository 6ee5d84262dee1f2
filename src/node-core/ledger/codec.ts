import { LedgerRuleError } from './errors';

/**
 * The ledger's canonical binary encoding: big-endian integers, str = u16 length ‖ UTF-8, bytes = u32 length ‖ data,
 * amounts as u64 base units. Decoding is strict (bounds, valid UTF-8, no trailing bytes) and throws
 * LedgerRuleError('encoding') naming the field.
 */
export class Writer {
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
    this.chunks.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    return this;
  }
  raw(b: Uint8Array): this {
    this.chunks.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class Reader {
  private off = 0;
  private readonly buf: Buffer;
  constructor(bytes: Uint8Array) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private take(n: number, what: string): Buffer {
    if (this.off + n > this.buf.length) throw new LedgerRuleError('encoding', `truncated at ${what}`);
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
  /** A u64 that must fit a safe JS number (times, heights). */
  u64(what: string): number {
    const v = this.take(8, what).readBigUInt64BE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new LedgerRuleError('encoding', `${what} is too large`);
    return Number(v);
  }
  big(what: string): bigint {
    return this.take(8, what).readBigUInt64BE(0);
  }
  str(what: string, max: number): string {
    const n = this.u16(what);
    if (n > max) throw new LedgerRuleError('encoding', `${what} is ${n} bytes, at most ${max} allowed`);
    try {
      return UTF8.decode(this.take(n, what));
    } catch (err) {
      if (err instanceof LedgerRuleError) throw err;
      throw new LedgerRuleError('encoding', `${what} is not valid UTF-8`);
    }
  }
  bytes(what: string, max: number): Uint8Array {
    const n = this.u32(what);
    if (n > max) throw new LedgerRuleError('encoding', `${what} is ${n} bytes, at most ${max} allowed`);
    return Uint8Array.from(this.take(n, what));
  }
  fixed(what: string, n: number): Uint8Array {
    return Uint8Array.from(this.take(n, what));
  }
  end(): void {
    if (this.off !== this.buf.length) {
      throw new LedgerRuleError('encoding', `${this.buf.length - this.off} trailing bytes`);
    }
  }
}

export function enumAt<T>(values: readonly T[], index: number, what: string): T {
  const v = values[index];
  if (v === undefined) throw new LedgerRuleError('encoding', `unknown ${what} ${index}`);
  return v;
}
