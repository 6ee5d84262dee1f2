import { ErrorCode, HyperMeshError } from '../../../shared/errors';
import { quiche, quicheErrorCode, type QuicheConnection } from './quiche';

export class StreamError extends HyperMeshError {
  constructor(
    message: string,
    /** The STOQ application code the peer (or we) reset the stream with, if any. */
    readonly streamCode: number | null = null,
  ) {
    super(ErrorCode.Transport, message);
  }
}

/** What a stream needs from its connection: the quiche handle and a way to ask for a send pass. */
export interface StreamHost {
  readonly conn: QuicheConnection;
  readonly chunkBytes: number;
  /** Shared read buffer of at least chunkBytes. */
  readonly scratch: Buffer;
  /** Schedules packet processing and sending for the connection (coalesced per event-loop turn). */
  wake(): void;
  /** Called once both directions of the stream are done, so the host can forget it. */
  release(stream: StoqStream): void;
  /** Counts application bytes for the metrics. */
  countBytes(sent: number, received: number): void;
  /**
   * Waits until `bytes` may leave under the node's bandwidth cap (null: at once). Every write passes here, so the
   * cap covers all traffic to peers, whatever the call.
   */
  pace?(bytes: number): Promise<void> | null;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

/**
 * One bidirectional QUIC stream with backpressure both ways: a write resolves only once quiche has taken all its
 * bytes (bounded by the peer's flow-control window), and data is read out of quiche only when the reader asks, so
 * a slow reader slows the sender instead of filling memory.
 */
export class StoqStream {
  private readEnded = false;
  private writeEnded = false;
  private endRequested = false;
  private failure: StreamError | undefined;
  private reader: Waiter<Buffer | null> | undefined;
  private writer: { data: Uint8Array; offset: number; fin: boolean; waiter: Waiter<void> } | undefined;
  private released = false;
  /** A write waits for the bandwidth cap: credit from the peer must not start it early. */
  private pacing = false;

  constructor(
    readonly id: number,
    private readonly host: StreamHost,
  ) {}

  private failedWith(): StreamError | undefined {
    return this.failure;
  }

  get finished(): boolean {
    return (this.readEnded && this.writeEnded) || this.failure !== undefined;
  }

  /** The next chunk of data, or null at the end of the stream. Rejects if the stream was reset. */
  read(): Promise<Buffer | null> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.readEnded) return Promise.resolve(null);
    if (this.reader) return Promise.reject(new StreamError('a read is already pending on this stream'));
    const chunk = this.tryRead();
    if (chunk !== undefined) return Promise.resolve(chunk);
    const failed = this.failedWith(); // tryRead may have failed the stream
    if (failed) return Promise.reject(failed);
    return new Promise((resolve, reject) => {
      this.reader = { resolve, reject };
    });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, void> {
    for (;;) {
      const chunk = await this.read();
      if (chunk === null) return;
      yield chunk;
    }
  }

  /** Resolves once quiche has accepted every byte; `fin` ends the stream after them. */
  write(data: Uint8Array, fin = false): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.endRequested) return Promise.reject(new StreamError('the stream was already ended'));
    if (this.writer) return Promise.reject(new StreamError('a write is already pending on this stream'));
    if (fin) this.endRequested = true;
    return new Promise((resolve, reject) => {
      const writer = { data, offset: 0, fin, waiter: { resolve, reject } };
      this.writer = writer;
      const wait = data.byteLength > 0 ? (this.host.pace?.(data.byteLength) ?? null) : null;
      if (wait === null) {
        this.pumpWrite();
        return;
      }
      // Held back by the bandwidth cap: nothing reaches quiche until the limiter lets these bytes through.
      this.pacing = true;
      void wait.then(() => {
        this.pacing = false;
        if (this.writer === writer) this.pumpWrite();
      });
    });
  }

  end(data: Uint8Array = new Uint8Array(0)): Promise<void> {
    return this.write(data, true);
  }

  /** Abandons both directions with a STOQ code; the peer's reads and writes fail with it. */
  reset(code: number, reason = 'stream reset'): void {
    this.shutdownBoth(code);
    if (this.failure) return;
    this.fail(new StreamError(reason, code));
  }

  private shutdownBoth(code: number): void {
    for (const dir of [quiche.Shutdown.Read, quiche.Shutdown.Write]) {
      try {
        this.host.conn.streamShutdown(this.id, dir, code);
      } catch {
        // that direction was already finished
      }
    }
    this.host.wake();
  }

  /** The connection saw this stream become readable. */
  onReadable(): void {
    if (!this.reader) return;
    const chunk = this.tryRead();
    if (chunk === undefined) return;
    const reader = this.reader;
    this.reader = undefined;
    reader.resolve(chunk);
  }

  /** A read is waiting for data. */
  get readPending(): boolean {
    return this.reader !== undefined;
  }

  /** A write is waiting for flow-control credit. */
  get writePending(): boolean {
    return this.writer !== undefined;
  }

  /** The connection saw this stream get flow-control credit. */
  onWritable(): void {
    if (this.writer && !this.pacing) this.pumpWrite();
  }

  /** The connection closed or failed: everything pending fails with `err`. */
  fail(err: StreamError): void {
    if (this.failure) return;
    this.failure = err;
    const reader = this.reader;
    const writer = this.writer;
    this.reader = undefined;
    this.writer = undefined;
    reader?.reject(err);
    writer?.waiter.reject(err);
    this.maybeRelease();
  }

  private tryRead(): Buffer | null | undefined {
    const buf = this.host.scratch.subarray(0, Math.min(this.host.chunkBytes, this.host.scratch.length));
    let result: [number, boolean] | null;
    try {
      result = this.host.conn.streamRecv(this.id, buf);
    } catch (err) {
      const { kind, code } = quicheErrorCode(err);
      if (kind === 'Done') return undefined;
      this.fail(new StreamError(`the peer reset the stream (${kind}${code === null ? '' : ` code ${code}`})`, code));
      return undefined; // fail() rejected any waiting reader
    }
    if (result === null) return undefined;
    const [len, fin] = result;
    this.host.countBytes(0, len);
    this.host.wake(); // reading frees window: let quiche tell the peer
    // An exact-size copy: the scratch buffer is reused, and a peer's tiny reads must not pin big buffers.
    const chunk = Buffer.from(buf.subarray(0, len));
    if (fin) {
      this.readEnded = true;
      this.maybeRelease();
      return len > 0 ? chunk : null;
    }
    return chunk;
  }

  private pumpWrite(): void {
    const w = this.writer;
    if (!w) return;
    try {
      while (w.offset < w.data.length) {
        const n = this.host.conn.streamSend(this.id, w.data.subarray(w.offset), w.fin);
        if (n === null || n === 0) break;
        w.offset += n;
        this.host.countBytes(n, 0);
      }
      if (w.offset === w.data.length && w.data.length === 0 && w.fin) {
        this.host.conn.streamSend(this.id, w.data, true);
      }
    } catch (err) {
      const { kind, code } = quicheErrorCode(err);
      // StreamLimit: the peer's stream credit is used up; this stream opens once its MAX_STREAMS comes (a pass
      // retries every waiting write), as a full window (Done) waits for MAX_STREAM_DATA.
      if (kind !== 'Done' && kind !== 'StreamLimit') {
        this.writer = undefined;
        const failure = new StreamError(
          `the peer stopped the stream (${kind}${code === null ? '' : ` code ${code}`})`,
          code,
        );
        this.shutdownBoth(code ?? 0);
        this.fail(failure);
        w.waiter.reject(failure);
        return;
      }
    }
    this.host.wake();
    if (w.offset === w.data.length) {
      this.writer = undefined;
      if (w.fin) this.writeEnded = true;
      w.waiter.resolve();
      this.maybeRelease();
    }
  }

  private maybeRelease(): void {
    if (!this.released && this.finished) {
      this.released = true;
      this.host.release(this);
    }
  }
}
