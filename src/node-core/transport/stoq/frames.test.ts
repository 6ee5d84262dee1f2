import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  FRAME_HEADER_BYTES,
  FrameDecoder,
  FrameError,
  FrameType,
  StoqCode,
  decodeCall,
  decodeError,
  encodeCall,
  encodeError,
  encodeFrame,
} from './frames';

describe('STOQ frames', () => {
  it('round-trip whatever way the bytes are split', () => {
    const frames = [
      encodeFrame(FrameType.Request, encodeCall('node.ping', Buffer.from('{"a":1}'))),
      encodeFrame(FrameType.ResponseOk, randomBytes(70_000)),
      encodeFrame(FrameType.ResponseError, encodeError(5, 'no such method')),
      encodeFrame(FrameType.Message, Buffer.alloc(0)),
    ];
    const wire = Buffer.concat(frames);
    for (const step of [1, 5, 6, 7, 1000, wire.length]) {
      const decoder = new FrameDecoder();
      const out = [];
      for (let i = 0; i < wire.length; i += step) out.push(...decoder.push(wire.subarray(i, i + step)));
      expect(out.map((f) => f.type)).toEqual([
        FrameType.Request,
        FrameType.ResponseOk,
        FrameType.ResponseError,
        FrameType.Message,
      ]);
      expect(Buffer.from(out[1]!.payload).equals(frames[1]!.subarray(FRAME_HEADER_BYTES))).toBe(true);
      expect(decodeCall(out[0]!.payload).method).toBe('node.ping');
      expect(decodeError(out[2]!.payload)).toEqual({ code: 5, message: 'no such method' });
      expect(decoder.pending).toBe(0);
    }
  });

  it('refuses an oversized frame from its header alone', () => {
    const decoder = new FrameDecoder(1024);
    const header = Buffer.from([1, FrameType.Request, 0, 0, 0x10, 0]);
    expect(() => decoder.push(header)).toThrow(FrameError);
    try {
      new FrameDecoder(1024).push(header);
    } catch (err) {
      expect((err as FrameError).code).toBe(StoqCode.FrameTooLarge);
    }
    expect(() => encodeFrame(FrameType.Request, Buffer.alloc(2048), 1024)).toThrow('exceeds the 1024-byte limit');
  });

  it('refuses garbage', () => {
    expect(() => new FrameDecoder().push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow('unknown frame version');
    expect(() => new FrameDecoder().push(Buffer.from([1, 0x7f, 0, 0, 0, 0]))).toThrow('unknown frame type 127');
    expect(() => decodeCall(Buffer.from([9, 1, 2]))).toThrow('malformed call payload');
    expect(() => decodeCall(Buffer.from([2, 0xff, 0xfe]))).toThrow('not UTF-8');
    expect(() => encodeCall('', Buffer.alloc(0))).toThrow('1–255 bytes');
  });

  it('hands over the raw bytes that follow a bulk header', () => {
    const decoder = new FrameDecoder();
    const head = encodeFrame(FrameType.Bulk, encodeCall('file.put', Buffer.alloc(0)));
    const frames = decoder.push(Buffer.concat([head, Buffer.from('raw data')]));
    expect(frames).toHaveLength(1);
    expect(decoder.drain().toString()).toBe('raw data');
  });
});
