import { StoqCode } from './frames';
import { RpcError, type CallContext, type CallOptions, type StoqRouter } from './rpc';

/**
 * One typed JSON call over STOQ: the request is JSON, the reply is JSON checked by a validator, and a failure is an
 * RpcError whose `remote` carries the peer's {code, reason} as data. The bytes on the wire are exactly those of
 * `Buffer.from(JSON.stringify(value))` each way, as the hand-written call sites sent before.
 */

/** Checks a decoded JSON value and gives it its type; throws (with the caller's own error) when it does not fit. */
export type Validate<T> = (value: unknown) => T;

/** What a call goes over: a PeerLink, or anything with its `request`. */
export interface JsonPeer {
  request(method: string, body: Uint8Array, options?: CallOptions): Promise<Uint8Array>;
}

export interface JsonCallOptions<Res> extends CallOptions {
  /** Checks the reply: a value it refuses fails the call with the error it throws. */
  readonly validate: Validate<Res>;
}

/** The largest JSON body decoded (a STOQ frame is smaller anyway; this guards a direct caller). */
const MAX_JSON_BYTES = 16 * 1024 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON as it goes on the wire. `undefined` (no request body) is sent as zero bytes, as the empty requests were. */
export function encodeJsonBody(value: unknown): Uint8Array {
  return value === undefined ? new Uint8Array() : Buffer.from(JSON.stringify(value));
}

/** Parses a JSON body; null when it is not UTF-8 JSON (the caller names the failure). */
export function decodeJsonBody(body: Uint8Array): { value: unknown } | null {
  if (body.length > MAX_JSON_BYTES) return null;
  try {
    return { value: JSON.parse(utf8.decode(body)) as unknown };
  } catch {
    return null;
  }
}

/**
 * Calls `method` on a peer with `req` as JSON and returns the validated reply. A reply that is not JSON fails with
 * an RpcError of code ProtocolError; one the validator refuses fails with the validator's error.
 */
export async function callJson<Req, Res>(
  peer: JsonPeer,
  method: string,
  req: Req,
  options: JsonCallOptions<Res>,
): Promise<Res> {
  const { validate, ...callOptions } = options;
  const reply = await peer.request(method, encodeJsonBody(req), callOptions);
  // An empty reply is a handler's `undefined` (calls answered with nothing).
  if (reply.length === 0) return validate(undefined);
  const decoded = decodeJsonBody(reply);
  if (!decoded) throw new RpcError(`${method}: the reply is not JSON`, StoqCode.ProtocolError);
  return validate(decoded.value);
}

/** For calls answered with nothing: whatever comes back is ignored. */
export const ignoreReply: Validate<void> = () => undefined;

export interface JsonHandlerOptions<Req> {
  /** Checks the request: a value it refuses is answered with the error it throws (its code and reason as data). */
  readonly validate: Validate<Req>;
  /** The error for a request that is not JSON at all; by default an RpcError of code ProtocolError. */
  readonly notJson?: () => Error;
  /** Requests with no body are given to `validate` as `undefined` (calls that take no argument). */
  readonly emptyIsUndefined?: boolean;
}

/**
 * Serves `method` as a typed JSON call: the request is decoded and validated before `handler` sees it, and its
 * result goes back as JSON (`undefined` as an empty reply). What the handler throws reaches the caller as an RpcError carrying {code, reason}.
 */
export function handleJson<Req, Res>(
  router: StoqRouter,
  method: string,
  options: JsonHandlerOptions<Req>,
  handler: (req: Req, ctx: CallContext) => Promise<Res> | Res,
): void {
  router.rpc(method, async (body, ctx) => {
    let value: unknown;
    if (body.length === 0 && options.emptyIsUndefined) {
      value = undefined;
    } else {
      const decoded = decodeJsonBody(body);
      if (!decoded) throw options.notJson?.() ?? new RpcError('the request is not JSON', StoqCode.ProtocolError);
      value = decoded.value;
    }
    return encodeJsonBody(await handler(options.validate(value), ctx));
  });
}
