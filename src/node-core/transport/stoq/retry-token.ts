import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Address-validation tokens for QUIC Retry (RFC 9000 §8.1.2), stateless: the endpoint keeps nothing per token.
 *
 * Layout: version (1) | issued-at ms (8, big-endian) | original DCID length (1) | original DCID | tag (16).
 * The tag is HMAC-SHA256 (truncated) over the client's address and port, the issue time and the original DCID, under
 * a key random per endpoint: a token is good only for the address it was sent to, only briefly, and only as minted.
 */
const VERSION = 1;
const TAG_BYTES = 16;
const HEAD_BYTES = 1 + 8 + 1;
const MAX_CID_BYTES = 20; // RFC 9000 §17.2: connection ids are at most 20 bytes
const CONTEXT = Buffer.from('hypermesh/stoq/retry-token/v1\0');
/** Clocks of one process do not go backwards much; a token "from the future" beyond this is forged. */
const FUTURE_SLACK_MS = 1_000;

export type TokenRejection = 'malformed' | 'expired' | 'forged';

export type TokenCheck =
  { readonly ok: true; readonly originalDcid: Buffer } | { readonly ok: false; readonly reason: TokenRejection };

export interface RetryTokenOptions {
  /** How long a token stays good; an honest client comes back within one round trip. */
  readonly lifetimeMs?: number;
  /** Milliseconds since an arbitrary origin; injected by tests. */
  readonly now?: () => number;
  /** The HMAC key (32 bytes); random unless a test gives one. */
  readonly key?: Buffer;
}

export const DEFAULT_TOKEN_LIFETIME_MS = 10_000;

export class RetryTokens {
  private readonly key: Buffer;
  private readonly lifetimeMs: number;
  private readonly now: () => number;

  constructor(options: RetryTokenOptions = {}) {
    this.key = options.key ?? randomBytes(32);
    this.lifetimeMs = options.lifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS;
    this.now = options.now ?? Date.now;
    if (this.key.length < 16) throw new RangeError('retry token key must be at least 16 bytes');
  }

  /** A token for a client at `address`:`port` whose first Initial went to `originalDcid`. */
  mint(address: string, port: number, originalDcid: Uint8Array): Buffer {
    if (originalDcid.length > MAX_CID_BYTES) throw new RangeError('connection ids are at most 20 bytes');
    const token = Buffer.alloc(HEAD_BYTES + originalDcid.length + TAG_BYTES);
    token[0] = VERSION;
    token.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.now()))), 1);
    token[9] = originalDcid.length;
    token.set(originalDcid, HEAD_BYTES);
    this.tag(token.subarray(0, HEAD_BYTES + originalDcid.length), address, port).copy(
      token,
      HEAD_BYTES + originalDcid.length,
    );
    return token;
  }

  /** Checks a token a client returned from `address`:`port`; on success, the DCID of its first Initial. */
  verify(token: Uint8Array, address: string, port: number): TokenCheck {
    const buf = Buffer.from(token.buffer, token.byteOffset, token.byteLength);
    if (buf.length < HEAD_BYTES + TAG_BYTES || buf[0] !== VERSION) return { ok: false, reason: 'malformed' };
    const cidLen = buf[9] as number;
    if (cidLen > MAX_CID_BYTES || buf.length !== HEAD_BYTES + cidLen + TAG_BYTES) {
      return { ok: false, reason: 'malformed' };
    }
    const body = buf.subarray(0, HEAD_BYTES + cidLen);
    // The tag first: an expiry answer for a forged token would tell an attacker which part it got wrong.
    if (!timingSafeEqual(this.tag(body, address, port), buf.subarray(HEAD_BYTES + cidLen))) {
      return { ok: false, reason: 'forged' };
    }
    const issued = Number(buf.readBigUInt64BE(1));
    const now = this.now();
    if (issued > now + FUTURE_SLACK_MS) return { ok: false, reason: 'forged' };
    if (now - issued > this.lifetimeMs) return { ok: false, reason: 'expired' };
    return { ok: true, originalDcid: Buffer.from(buf.subarray(HEAD_BYTES, HEAD_BYTES + cidLen)) };
  }

  private tag(body: Uint8Array, address: string, port: number): Buffer {
    const where = Buffer.from(`${address}\0${port}\0`);
    return createHmac('sha256', this.key).update(CONTEXT).update(where).update(body).digest().subarray(0, TAG_BYTES);
  }
}
