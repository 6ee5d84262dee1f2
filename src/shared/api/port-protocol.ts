import { isErrorCode, type ApiErrorBody } from '../errors';
import { isPlainObject } from '../validate';
import { NODE_EVENT_NAMES, type ApiReply, type EventMessage } from './contract';

/**
 * Frames between the Electron main process and the node's own process (a MessagePort: Electron's parentPort, or a
 * Node IPC channel in tests and benchmarks). The calls inside are the API contract, dispatched and validated by
 * node-core exactly as the IPC and HTTP carriers do; these frames only carry them.
 */
export type ToNodeFrame =
  | { readonly t: 'call'; readonly id: number; readonly method: string; readonly args: readonly unknown[] }
  /** Stop cleanly (the same path as SIGINT in the headless CLI), answer `stopped`, then exit. */
  | { readonly t: 'stop' };

export type FromNodeFrame =
  | { readonly t: 'ready'; readonly nodeId: string; readonly nodeIdShort: string }
  /** The node could not start (data folder locked, store corrupt, …): restarting would not help. */
  | { readonly t: 'failed'; readonly error: ApiErrorBody }
  | { readonly t: 'reply'; readonly id: number; readonly reply: ApiReply<unknown> }
  | { readonly t: 'event'; readonly message: EventMessage }
  | { readonly t: 'stopped' };

const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isErrorBody = (v: unknown): v is ApiErrorBody =>
  isPlainObject(v) && isErrorCode(v.code) && typeof v.message === 'string';

/** Null for anything that is not a well-formed frame to the node (the receiver drops it and says so). */
export function parseToNodeFrame(value: unknown): ToNodeFrame | null {
  if (!isPlainObject(value)) return null;
  if (value.t === 'stop') return { t: 'stop' };
  if (value.t === 'call' && isId(value.id) && typeof value.method === 'string' && Array.isArray(value.args)) {
    return { t: 'call', id: value.id, method: value.method, args: value.args as unknown[] };
  }
  return null;
}

export function parseFromNodeFrame(value: unknown): FromNodeFrame | null {
  if (!isPlainObject(value)) return null;
  switch (value.t) {
    case 'ready':
      return typeof value.nodeId === 'string' && typeof value.nodeIdShort === 'string'
        ? { t: 'ready', nodeId: value.nodeId, nodeIdShort: value.nodeIdShort }
        : null;
    case 'failed':
      return isErrorBody(value.error) ? { t: 'failed', error: value.error } : null;
    case 'reply': {
      const reply = value.reply;
      if (!isId(value.id) || !isPlainObject(reply)) return null;
      if (reply.ok === true && 'value' in reply)
        return { t: 'reply', id: value.id, reply: { ok: true, value: reply.value } };
      if (reply.ok === false && isErrorBody(reply.error)) {
        return { t: 'reply', id: value.id, reply: { ok: false, error: reply.error } };
      }
      return null;
    }
    case 'event': {
      const m = value.message;
      if (!isPlainObject(m) || !(NODE_EVENT_NAMES as readonly unknown[]).includes(m.event) || !('payload' in m)) {
        return null;
      }
      return { t: 'event', message: m as unknown as EventMessage };
    }
    case 'stopped':
      return { t: 'stopped' };
    default:
      return null;
  }
}
