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

/**
 * What the desktop shell knows better than the node's own sensors (Electron's powerMonitor), for the sharing rules
 * (`node.sharing.feed`, docs/sharing-rules.md). A field left out keeps the last fed value; null hands it back to the
 * node's own sensors. Kept apart from ToNodeFrame: it is not an API call and gets no reply; the node process takes it
 * off the port before the API carrier sees the frames.
 */
export interface ReadingsFrame {
  readonly t: 'readings';
  /** Seconds since the last keyboard or mouse input (`powerMonitor.getSystemIdleTime()`). */
  readonly idleSeconds?: number | null;
  /** `powerMonitor.isOnBatteryPower()`. */
  readonly onBattery?: boolean | null;
  /** A full-screen app is in front, where the shell can tell. */
  readonly fullScreen?: boolean | null;
}

/** Idle time beyond this (a year) is not a reading but a bug in the sender. */
export const MAX_IDLE_SECONDS = 366 * 24 * 3600;

export type FromNodeFrame =
  | { readonly t: 'ready'; readonly nodeId: string; readonly nodeIdShort: string }
  /** The node could not start (data folder locked, store corrupt, …): restarting would not help. */
  | { readonly t: 'failed'; readonly error: ApiErrorBody }
  | { readonly t: 'reply'; readonly id: number; readonly reply: ApiReply<unknown> }
  | { readonly t: 'event'; readonly message: EventMessage }
  | { readonly t: 'stopped' };

const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isErrorBody = (v: unknown): v is ApiErrorBody =>
  isPlainObject(v) &&
  isErrorCode(v.code) &&
  typeof v.message === 'string' &&
  (v.reason === undefined || (typeof v.reason === 'string' && v.reason.length <= 64));

/** Null for anything that is not a well-formed frame to the node (the receiver drops it and says so). */
export function parseToNodeFrame(value: unknown): ToNodeFrame | null {
  if (!isPlainObject(value)) return null;
  if (value.t === 'stop') return { t: 'stop' };
  if (value.t === 'call' && isId(value.id) && typeof value.method === 'string' && Array.isArray(value.args)) {
    return { t: 'call', id: value.id, method: value.method, args: value.args as unknown[] };
  }
  return null;
}

/**
 * Null for anything that is not a well-formed readings frame: idle seconds a finite number 0–MAX_IDLE_SECONDS, the
 * flags booleans, each also null or absent, and nothing else. A frame with one bad field is dropped whole rather than
 * half applied.
 */
export function parseReadingsFrame(value: unknown): ReadingsFrame | null {
  if (!isPlainObject(value) || value.t !== 'readings') return null;
  const known = new Set(['t', 'idleSeconds', 'onBattery', 'fullScreen']);
  if (Object.keys(value).some((k) => !known.has(k))) return null;
  const { idleSeconds, onBattery, fullScreen } = value;
  const isIdle = (v: unknown): v is number | null | undefined =>
    v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_IDLE_SECONDS);
  const isFlag = (v: unknown): v is boolean | null | undefined =>
    v === undefined || v === null || typeof v === 'boolean';
  if (!isIdle(idleSeconds) || !isFlag(onBattery) || !isFlag(fullScreen)) return null;
  return {
    t: 'readings',
    ...(idleSeconds === undefined ? {} : { idleSeconds }),
    ...(onBattery === undefined ? {} : { onBattery }),
    ...(fullScreen === undefined ? {} : { fullScreen }),
  };
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
