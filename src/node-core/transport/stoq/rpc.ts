import { ErrorCode, HyperMeshError, isErrorCode } from '../../../shared/errors';
import type { Logger } from '../../logging/index';
import type { StoqConnection } from './endpoint';
import {
  DEFAULT_MAX_FRAME_BYTES,
  FIRST_APPLICATION_CODE,
  FrameDecoder,
  FrameError,
  FrameType,
  StoqCode,
  decodeCall,
  decodeError,
  encodeCall,
  encodeError,
  encodeFrame,
  type Frame,
} from './frames';
import type { PeerIdentity } from './node-certificate';
import { StreamError, type StoqStream } from './stream';

/** A refusal as the peer's handler named it: its stable code and reason, carried as data (never parsed from text). */
export interface RemoteFailure {
  readonly code: ErrorCode;
  readonly reason?: string;
}

export class RpcError extends HyperMeshError {
  constructor(
    message: string,
    /** STOQ code: UnknownMethod, HandlerError, Timeout, Cancelled, FrameTooLarge, ProtocolError, or an application code. */
    readonly stoqCode: number,
    /** What the peer's handler failed with, when it failed with a coded error (HyperMeshError); else undefined. */
    readonly remote?: RemoteFailure,
    /** The peer handler's own message, without the method prefix this side adds (data, so nobody strips text). */
    readonly remoteMessage?: string,
  ) {
    super(ErrorCode.Transport, message);
  }
}

/**
 * An error frame's text is the human message, then (for a coded error) NUL and the failure as JSON `{code, reason}`.
 * A peer that does not know the suffix shows it as part of the text; the message is cut so the suffix always fits
 * the 1,000 characters an error frame carries.
 */
const FAILURE_SEPARATOR = '\u0000';
const MAX_ERROR_TEXT = 1000;
const MAX_REASON_CHARS = 64;

/** The text to answer a failed handler with. */
export function failureText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // A call relayed on (proxy → provider) passes on the failure it got.
  const failure: RemoteFailure | undefined =
    err instanceof RpcError
      ? err.remote
      : err instanceof HyperMeshError
        ? { code: err.code, ...(err.reason === undefined ? {} : { reason: err.reason }) }
        : undefined;
  if (!failure) return message;
  const suffix = FAILURE_SEPARATOR + JSON.stringify(failure);
  return message.slice(0, MAX_ERROR_TEXT - suffix.length) + suffix;
}

/** Splits an error frame's text into the message and the failure it carries (none when absent or malformed). */
export function parseFailureText(text: string): { message: string; remote: RemoteFailure | undefined } {
  const at = text.lastIndexOf(FAILURE_SEPARATOR);
  if (at < 0) return { message: text, remote: undefined };
  const message = text.slice(0, at);
  let value: unknown;
  try {
    value = JSON.parse(text.slice(at + 1));
  } catch {
    return { message, remote: undefined };
  }
  if (typeof value !== 'object' || value === null) return { message, remote: undefined };
  const { code, reason } = value as { code?: unknown; reason?: unknown };
  if (!isErrorCode(code)) return { message, remote: undefined };
  if (reason === undefined) return { message, remote: { code } };
  if (typeof reason !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(reason) || reason.length > MAX_REASON_CHARS) {
    return { message, remote: { code } };
  }
  return { message, remote: { code, reason } };
}

function remoteError(method: string, payload: Uint8Array): RpcError {
  const { code, message: text } = decodeError(payload);
  const { message, remote } = parseFailureText(text);
  return new RpcError(`${method}: ${message}`, code, remote, message);
}

export interface CallContext {
  readonly peer: PeerIdentity;
  /** The connection the call came on. */
  readonly connection: StoqConnection;
  /** Aborted when the caller cancels or the connection goes away. */
  readonly signal: AbortSignal;
}

export type RpcHandler = (body: Uint8Array, ctx: CallContext) => Promise<Uint8Array> | Uint8Array;
export type MessageHandler = (body: Uint8Array, ctx: CallContext) => void | Promise<void>;
/** Receives a bulk transfer's raw data as it arrives (with backpressure) and answers once it is consumed. */
export type BulkHandler = (
  meta: Uint8Array,
  data: AsyncIterable<Buffer>,
  ctx: CallContext,
) => Promise<Uint8Array> | Uint8Array;

/**
 * An opened channel: a stream carrying raw bytes both ways for as long as both ends keep it. `head` holds bytes
 * that arrived together with the opening frame; read them before the stream.
 */
export interface Channel {
  readonly stream: StoqStream;
  readonly head: Buffer;
}

/**
 * Decides whether to accept a channel: it returns the reply for the opener and `attach`, which gets the channel
 * once the acceptance is on its way; throwing refuses the channel with the error's message.
 */
export type ChannelHandler = (
  meta: Uint8Array,
  ctx: CallContext,
) => Promise<{ reply: Uint8Array; attach(channel: Channel): void }>;

/** Methods this node serves to peers. */
export class StoqRouter {
  readonly rpcs = new Map<string, RpcHandler>();
  readonly messages = new Map<string, MessageHandler>();
  readonly bulks = new Map<string, BulkHandler>();
  readonly channels = new Map<string, ChannelHandler>();
  /** Decides per call whether `peer` may use `method`: null lets it through, a string is the refusal. */
  guard: ((method: string, peer: PeerIdentity) => string | null) | undefined;

  rpc(method: string, handler: RpcHandler): this {
    this.rpcs.set(method, handler);
    return this;
  }

  message(method: string, handler: MessageHandler): this {
    this.messages.set(method, handler);
    return this;
  }

  bulk(method: string, handler: BulkHandler): this {
    this.bulks.set(method, handler);
    return this;
  }

  channel(method: string, handler: ChannelHandler): this {
    this.channels.set(method, handler);
    return this;
  }
}

export interface ServeOptions {
  readonly maxFrameBytes?: number;
  readonly log: Logger;
  /** How long a peer may take to send its request frame. */
  readonly requestTimeoutMs?: number;
}

/** Reads the first frame; a malformed, oversized or unexpected frame fails (and the caller resets the stream). */
async function readFrames(stream: StoqStream, decoder: FrameDecoder, want: (f: Frame) => boolean): Promise<Frame> {
  for (;;) {
    const chunk = await stream.read();
    if (chunk === null) throw new FrameError(StoqCode.ProtocolError, 'the stream ended before a whole frame');
    const [frame] = decoder.push(chunk);
    if (!frame) continue;
    if (!want(frame)) throw new FrameError(StoqCode.ProtocolError, `unexpected frame type ${frame.type}`);
    return frame;
  }
}

/** Serves the streams a verified peer opens: one request, message or bulk transfer per stream. */
export function serveConnection(connection: StoqConnection, router: StoqRouter, options: ServeOptions): void {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!connection.peerIdentity) throw new Error('serveConnection needs a verified connection');
  // Read per stream: a peer's identity can be upgraded after the handshake (TrustChain hello).
  const peerNow = () => connection.peerIdentity as PeerIdentity;
  const connectionGone = new AbortController();
  void connection.closed().then(() => connectionGone.abort());
  connection.onStream = (stream) => {
    void serveStream(stream).catch((err: unknown) => {
      const code =
        err instanceof FrameError ? err.code : err instanceof RpcError ? err.stoqCode : StoqCode.HandlerError;
      if (!(err instanceof StreamError)) {
        options.log.warn(`stream ${stream.id} from ${peerNow().nodeId.slice(0, 8)} reset: ${(err as Error).message}`);
      }
      stream.reset(code, (err as Error).message);
    });
  };

  async function serveStream(stream: StoqStream): Promise<void> {
    const decoder = new FrameDecoder(maxFrameBytes);
    const timer = setTimeout(
      () => stream.reset(StoqCode.Timeout, 'request not received in time'),
      options.requestTimeoutMs ?? 30_000,
    );
    let frame: Frame;
    try {
      frame = await readFrames(stream, decoder, () => true);
    } finally {
      clearTimeout(timer);
    }
    const ctx: CallContext = { peer: peerNow(), connection, signal: connectionGone.signal };
    const { method, body } = decodeCall(frame.payload);
    const refusal = router.guard?.(method, ctx.peer) ?? null;
    if (refusal !== null) {
      if (frame.type === FrameType.Message) throw new RpcError(refusal, StoqCode.AuthFailed);
      return respondError(stream, StoqCode.AuthFailed, refusal);
    }
    switch (frame.type) {
      case FrameType.Request: {
        const handler = router.rpcs.get(method);
        if (!handler) return respondError(stream, StoqCode.UnknownMethod, `unknown method ${method}`);
        let result: Uint8Array;
        try {
          result = await handler(body, ctx);
        } catch (err) {
          // A refusal the handler names with an application code (e.g. OVER_QUOTA) reaches the caller as that code.
          const code =
            err instanceof RpcError && err.stoqCode >= FIRST_APPLICATION_CODE ? err.stoqCode : StoqCode.HandlerError;
          return respondError(stream, code, failureText(err));
        }
        await stream.end(encodeFrame(FrameType.ResponseOk, result, maxFrameBytes));
        return;
      }
      case FrameType.Message: {
        const handler = router.messages.get(method);
        await stream.end();
        if (!handler) throw new RpcError(`unknown message ${method}`, StoqCode.UnknownMethod);
        await handler(body, ctx);
        return;
      }
      case FrameType.Bulk: {
        const handler = router.bulks.get(method);
        if (!handler) return respondError(stream, StoqCode.UnknownMethod, `unknown bulk method ${method}`);
        const head = decoder.drain();
        let consumed = false;
        async function* data(): AsyncGenerator<Buffer> {
          if (head.length > 0) yield head;
          yield* stream;
          consumed = true;
        }
        let result: Uint8Array;
        try {
          result = await handler(body, data(), ctx);
        } catch (err) {
          // A handler that read all the data refuses with its reason; one that stopped reading resets the stream
          // (the sender may still be writing into it).
          if (!consumed || err instanceof StreamError) throw err;
          const code = err instanceof RpcError ? err.stoqCode : StoqCode.HandlerError;
          return respondError(stream, code, failureText(err));
        }
        await stream.end(encodeFrame(FrameType.ResponseOk, result, maxFrameBytes));
        return;
      }
      case FrameType.Channel: {
        const handler = router.channels.get(method);
        if (!handler) return respondError(stream, StoqCode.UnknownMethod, `unknown channel ${method}`);
        let accepted: Awaited<ReturnType<ChannelHandler>>;
        try {
          accepted = await handler(body, ctx);
        } catch (err) {
          return respondError(stream, StoqCode.HandlerError, failureText(err));
        }
        await stream.write(encodeFrame(FrameType.ChannelAccept, accepted.reply, maxFrameBytes));
        accepted.attach({ stream, head: decoder.drain() });
        return;
      }
      default:
        throw new FrameError(StoqCode.ProtocolError, `a stream may not start with frame type ${frame.type}`);
    }
  }
}

async function respondError(stream: StoqStream, code: number, message: string): Promise<void> {
  await stream.end(encodeFrame(FrameType.ResponseError, encodeError(code, message)));
}

export interface CallOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly maxFrameBytes?: number;
}

/**
 * Runs `work` on a stream guarded by a timeout and an abort signal: either resets the stream with the matching code,
 * and `work`'s failure is then reported as that timeout or cancellation.
 */
async function guarded<T>(stream: StoqStream, options: CallOptions, what: string, work: () => Promise<T>): Promise<T> {
  let failure: RpcError | undefined;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timer = setTimeout(() => {
    failure = new RpcError(`${what} timed out after ${timeoutMs} ms`, StoqCode.Timeout);
    stream.reset(StoqCode.Timeout, failure.message);
  }, timeoutMs);
  const onAbort = () => {
    failure = new RpcError(`${what} was cancelled`, StoqCode.Cancelled);
    stream.reset(StoqCode.Cancelled, failure.message);
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await work();
  } catch (err) {
    throw failure ?? err;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Reads the peer's answer: a frame of type `ok` (returned) or an error (thrown as an RpcError); a malformed or
 * unexpected frame resets the stream.
 */
async function readAnswer(
  stream: StoqStream,
  decoder: FrameDecoder,
  ok: FrameType,
  method: string,
): Promise<Uint8Array> {
  let frame: Frame;
  try {
    frame = await readFrames(stream, decoder, (f) => f.type === ok || f.type === FrameType.ResponseError);
  } catch (err) {
    if (err instanceof FrameError) stream.reset(err.code, err.message);
    throw err;
  }
  if (frame.type === FrameType.ResponseError) throw remoteError(method, frame.payload);
  return frame.payload;
}

function readResponse(stream: StoqStream, maxFrameBytes: number, method: string): Promise<Uint8Array> {
  return readAnswer(stream, new FrameDecoder(maxFrameBytes), FrameType.ResponseOk, method);
}

/** One request, one response, on a stream of its own (no head-of-line blocking between calls). */
export async function request(
  connection: StoqConnection,
  method: string,
  body: Uint8Array,
  options: CallOptions = {},
): Promise<Uint8Array> {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const frame = encodeFrame(FrameType.Request, encodeCall(method, body), maxFrameBytes);
  const stream = connection.openStream();
  return guarded(stream, options, `request ${method}`, async () => {
    await stream.end(frame);
    return await readResponse(stream, maxFrameBytes, method);
  });
}

/** A one-way message: resolves once the peer has read it (its end of the stream closed), without a reply. */
export async function sendMessage(
  connection: StoqConnection,
  method: string,
  body: Uint8Array,
  options: CallOptions = {},
): Promise<void> {
  const stream = connection.openStream();
  return guarded(stream, options, `message ${method}`, async () => {
    await stream.end(encodeFrame(FrameType.Message, encodeCall(method, body), options.maxFrameBytes));
    while ((await stream.read()) !== null) {
      // the peer sends nothing back; wait for its FIN
    }
  });
}

export interface BulkOptions extends CallOptions {
  /** Waits before each chunk so the transfer stays under a bandwidth cap. */
  readonly pace?: (bytes: number) => Promise<void>;
}

/**
 * Sends `data` after a BULK header on a dedicated stream and returns the receiver's answer. Backpressure: each
 * chunk is handed to QUIC only when the previous one fit in the flow-control window.
 */
export async function sendBulk(
  connection: StoqConnection,
  method: string,
  meta: Uint8Array,
  data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: BulkOptions = {},
): Promise<Uint8Array> {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const stream = connection.openStream();
  return guarded(stream, { timeoutMs: 3_600_000, ...options }, `bulk ${method}`, async () => {
    await stream.write(encodeFrame(FrameType.Bulk, encodeCall(method, meta), maxFrameBytes));
    for await (const chunk of data) {
      if (options.pace) await options.pace(chunk.length);
      await stream.write(chunk);
    }
    await stream.end();
    return await readResponse(stream, maxFrameBytes, method);
  });
}

/**
 * Opens a channel: sends CHANNEL and waits for the peer to accept it (its reply) or refuse it (an RpcError). The
 * timeout and signal cover the opening only; the channel then lives until either end closes or resets it.
 */
export async function openChannel(
  connection: StoqConnection,
  method: string,
  meta: Uint8Array,
  options: CallOptions = {},
): Promise<Channel & { reply: Uint8Array }> {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const stream = connection.openStream();
  return guarded(stream, options, `channel ${method}`, async () => {
    await stream.write(encodeFrame(FrameType.Channel, encodeCall(method, meta), maxFrameBytes));
    const decoder = new FrameDecoder(maxFrameBytes);
    const reply = await readAnswer(stream, decoder, FrameType.ChannelAccept, method);
    return { stream, head: decoder.drain(), reply };
  });
}
