import { describe, expect, it } from 'vitest';
import { BinaryReader, BinaryWriter } from './binary';

class Malformed extends Error {}
const fail = (message: string): never => {
  throw new Malformed(message);
};

describe('binary codec', () => {
  it('round-trips every field type, big-endian, and reads to the end', () => {
    const bytes = new BinaryWriter()
      .u8(7)
      .u16(0xbeef)
      .u32(0xdeadbeef)
      .u64(Number.MAX_SAFE_INTEGER)
      .u64(2n ** 64n - 1n)
      .str('héllo')
      .bytes(Uint8Array.of(1, 2, 3))
      .raw(Uint8Array.of(9, 9))
      .u8(1)
      .done();
    expect(bytes.subarray(0, 7)).toEqual(Buffer.from([7, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef]));
    const r = new BinaryReader(bytes, fail);
    expect(r.u8('a')).toBe(7);
    expect(r.u16('b')).toBe(0xbeef);
    expect(r.u32('c')).toBe(0xdeadbeef);
    expect(r.u64('d')).toBe(Number.MAX_SAFE_INTEGER);
    expect(r.big('e')).toBe(2n ** 64n - 1n);
    expect(r.str('f', 16)).toBe('héllo');
    expect(r.bytes('g', 3)).toEqual(Uint8Array.of(1, 2, 3));
    expect(r.fixed('h', 2)).toEqual(Uint8Array.of(9, 9));
    expect(r.oneOf(['x', 'y'] as const, 'i')).toBe('y');
    expect(r.offset).toBe(bytes.length);
    r.end();
  });

  it('encodes a view of a larger buffer as just its bytes', () => {
    const big = Uint8Array.of(0, 1, 2, 3, 4, 5);
    expect(new BinaryWriter().raw(big.subarray(2, 4)).bytes(big.subarray(1, 2)).done()).toEqual(
      Buffer.from([2, 3, 0, 0, 0, 1, 1]),
    );
  });

  it("refuses malformed input through the caller's fail, naming the field", () => {
    const read = (b: number[], f: (r: BinaryReader) => unknown): unknown =>
      f(new BinaryReader(Uint8Array.from(b), fail));
    expect(() => read([0, 0, 0], (r) => r.u32('count'))).toThrow(/truncated at count/);
    expect(() => read([0xff, 0, 0, 0, 0, 0, 0, 0], (r) => r.u64('height'))).toThrow(/height is too large/);
    expect(() => read([0, 3, 0x61, 0x62, 0x63], (r) => r.str('name', 2))).toThrow(/name is 3 bytes, at most 2/);
    expect(() => read([0, 1, 0xff], (r) => r.str('name', 8))).toThrow(/name is not valid UTF-8/);
    expect(() => read([0, 0, 0, 9], (r) => r.bytes('blob', 8))).toThrow(/blob is 9 bytes, at most 8/);
    expect(() => read([2], (r) => r.oneOf(['a', 'b'], 'kind'))).toThrow(/unknown kind 2/);
    expect(() => read([1, 2], (r) => (r.u8('x'), r.end()))).toThrow(Malformed);
    expect(() => new BinaryWriter().str('x'.repeat(0x10000))).toThrow(RangeError);
  });
});
