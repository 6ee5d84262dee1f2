/**
 * STOQ frame format v1 (docs/protocol/stoq.md): [version u8][type u8][length u32 BE][payload].
 * Frames carry RPC requests and responses and one-way messages; bulk data follows a BULK frame unframed, and
 * channel data follows CHANNEL / CHANNEL_ACCEPT unframed.
 */
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 6;
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

export const FrameType = {
  Request: 0x01,
  ResponseOk: 0x02,
  ResponseError: 0x03,
  Message: 0x04,
  Bulk: 0x05,
  /** Opens a long-lived channel: raw bytes both ways once the peer answers CHANNEL_ACCEPT. */
  Channel: 0x06,
  ChannelAccept: 0x07,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const FRAME_TYPES = new Set<number>(Object.values(FrameType));
/** Frame types after which the stream carries raw bytes. */
const RAW_AFTER = new Set<number>([FrameType.Bulk, FrameType.Channel, FrameType.ChannelAccept]);

/** Application error codes used to reset streams and close connections. */
export const StoqCode = {
  NoError: 0x0,
  ProtocolError: 0x1,
  FrameTooLarge: 0x2,
  Cancelled: 0x3,
  Timeout: 0x4,
  UnknownMethod: 0x5,
  HandlerError: 0x6,
  AuthFailed: 0x10,
  Shutdown: 0x11,
  /** The peer went over a per-connection budget (streams held open); the connection is closed. */
  OverBudget: 0x12,
  /** Application refusal: the request exceeds what the owner's share or quota allows now (RESPONSE_ERROR only). */
  OverQuota: 0x20,
} as const;

/** Codes from here on are application refusals a handler may answer with (an RpcError carrying one). */
export const FIRST_APPLICATION_CODE = 0x20;
export type StoqCode = (typeof StoqCode)[keyof typeof StoqCode];

export interface Frame {
  readonly type: FrameType;
  readonly payload: Uint8Array;
}

export class FrameError extends Error {
  constructor(
    readonly code: StoqCode,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

export function encodeFrame(type: FrameType, payload: Uint8Array, maxBytes = DEFAULT_MAX_FRAME_BYTES): Buffer {
  if (payload.length > maxBytes) {
    throw new FrameError(StoqCode.FrameTooLarge, `frame of ${payload.length} bytes exceeds the ${maxBytes}-byte limit`);
  }
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out[0] = FRAME_VERSION;
  out[1] = type;
  out.writeUInt32BE(payload.length, 2);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/**
 * A header that arrived split across chunks is put together here. One for all decoders: push() reads it before it
 * returns, and a buffer per decoder was an allocation per stream.
 */
const splitHeader = Buffer.alloc(FRAME_HEADER_BYTES);

/**
 * Incremental decoder: feed it stream chunks, take whole frames out. It checks the header before buffering the
 * payload, so an oversized or malformed frame is refused without holding its bytes.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  /** Index of the first unread chunk: shifting a long array per chunk would be quadratic. */
  private first = 0;
  private buffered = 0;
  private raw = false;

  constructor(private readonly maxBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes received that are not part of a whole frame yet. */
  get pending(): number {
    return this.buffered;
  }

  /**
   * Returns the whole frames now available. After a BULK, CHANNEL or CHANNEL_ACCEPT frame the decoder stops
   * parsing: what follows is raw data, taken with drain().
   */
  push(chunk: Uint8Array): Frame[] {
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    while (!this.raw && this.buffered >= FRAME_HEADER_BYTES) {
      const head = this.copyHead();
      if (head[0] !== FRAME_VERSION) {
        throw new FrameError(StoqCode.ProtocolError, `unknown frame version ${head[0]}`);
      }
      const type = head[1] as number;
      if (!FRAME_TYPES.has(type)) throw new FrameError(StoqCode.ProtocolError, `unknown frame type ${type}`);
      const length = head.readUInt32BE(2);
      if (length > this.maxBytes) {
        throw new FrameError(
          StoqCode.FrameTooLarge,
          `frame of ${length} bytes exceeds the ${this.maxBytes}-byte limit`,
        );
      }
      if (this.buffered < FRAME_HEADER_BYTES + length) break;
      this.take(FRAME_HEADER_BYTES);
      frames.push({ type: type as FrameType, payload: this.take(length) });
      if (RAW_AFTER.has(type)) this.raw = true;
    }
    return frames;
  }

  /** Everything buffered and not yet returned as frames (a BULK frame's raw data), emptying the decoder. */
  drain(): Buffer {
    return this.take(this.buffered);
  }

  private copyHead(): Buffer {
    const first = this.chunks[this.first] as Buffer;
    if (first.length >= FRAME_HEADER_BYTES) return first;
    let filled = 0;
    for (let i = this.first; filled < FRAME_HEADER_BYTES; i++) {
      const c = this.chunks[i] as Buffer;
      filled += c.copy(splitHeader, filled, 0, Math.min(c.length, FRAME_HEADER_BYTES - filled));
    }
    return splitHeader;
  }

  private dropFirst(): void {
    this.first++;
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first > 1024 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }

  /** Takes n bytes off the front; copies only when they span chunks. */
  private take(n: number): Buffer {
    this.buffered -= n;
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[this.first];
    if (first && first.length >= n) {
      if (first.length === n) this.dropFirst();
      else this.chunks[this.first] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[this.first] as Buffer;
      const used = c.copy(out, filled, 0, Math.min(c.length, n - filled));
      filled += used;
      if (used === c.length) this.dropFirst();
      else this.chunks[this.first] = c.subarray(used);
    }
    return out;
  }
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** `[method length u8][method utf-8][body]`, the payload of REQUEST, MESSAGE and BULK frames. */
export function encodeCall(method: string, body: Uint8Array): Buffer {
  const name = textEncoder.encode(method);
  if (name.length === 0 || name.length > 255) {
    throw new FrameError(StoqCode.ProtocolError, `method names are 1–255 bytes, got ${name.length}`);
  }
  const out = Buffer.allocUnsafe(1 + name.length + body.length);
  out[0] = name.length;
  out.set(name, 1);
  out.set(body, 1 + name.length);
  return out;
}

export function decodeCall(payload: Uint8Array): { method: string; body: Uint8Array } {
  const len = payload[0] ?? 0;
  if (len === 0 || payload.length < 1 + len) throw new FrameError(StoqCode.ProtocolError, 'malformed call payload');
  let method: string;
  try {
    method = textDecoder.decode(payload.subarray(1, 1 + len));
  } catch {
    throw new FrameError(StoqCode.ProtocolError, 'method name is not UTF-8');
  }
  return { method, body: payload.subarray(1 + len) };
}

/** `[code u16][message utf-8]`, the payload of RESPONSE_ERROR. */
export function encodeError(code: number, message: string): Buffer {
  const text = textEncoder.encode(message.slice(0, 1000));
  const out = Buffer.allocUnsafe(2 + text.length);
  out.writeUInt16BE(code & 0xffff, 0);
  out.set(text, 2);
  return out;
}

export function decodeError(payload: Uint8Array): { code: number; message: string } {
  if (payload.length < 2) throw new FrameError(StoqCode.ProtocolError, 'malformed error payload');
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  return { code: buf.readUInt16BE(0), message: new TextDecoder().decode(payload.subarray(2)) };
}
