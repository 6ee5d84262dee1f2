import type { NodeApi } from '../../../shared/api/contract';
import type { ValidationIssue } from '../../../shared/errors';
import { ErrorCode, RemoteError } from '../../../shared/errors';

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A call the node refused (with its stable code) or that got no answer at all (code null). */
export interface NodeFailure {
  readonly code: ErrorCode | null;
  readonly message: string;
  /** Why, within the code, as data (a job failure reason, a proxy failure): never parsed from the message. */
  readonly reason?: string;
  readonly issues: readonly ValidationIssue[];
}

export function failureOf(err: unknown): NodeFailure {
  if (err instanceof RemoteError) {
    const failure = { code: err.code, message: err.message, issues: err.details?.issues ?? [] };
    return err.reason === undefined ? failure : { ...failure, reason: err.reason };
  }
  return { code: null, message: messageOf(err), issues: [] };
}

/** What any page action came to: the node's answer, or its error (the store's actions never reject). */
export type ActionResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: NodeFailure };

/** What every slice is built with: the API, the combined store's set/get, and the shared ways to call the node. */
export interface SliceKit<S> {
  readonly api: NodeApi;
  readonly set: (partial: Partial<S>) => void;
  readonly get: () => S;
  /** No answer at all (or an expired token): the connection is marked lost. */
  readonly fail: (err: unknown) => void;
  /**
   * Asks the node for one piece of a page's data. An answer goes to `onValue`; a refusal by the node keeps the page
   * and the last known value and goes to `onFailure`; no answer at all marks the connection lost.
   */
  readonly fetched: <T>(
    call: () => Promise<T>,
    onValue: (value: T) => void,
    onFailure?: (failure: NodeFailure) => void,
  ) => Promise<void>;
  /**
   * `fetched` into one field of the state: an answer sets `key` (and clears `error.key`); a refusal sets
   * `error.key` to the failure (or its message). With `isCurrent`, a reply to a superseded question is dropped.
   */
  readonly loadInto: <K extends keyof S>(
    call: () => Promise<S[K]>,
    key: K,
    error?: { readonly key: keyof S; readonly as: 'message' | 'failure' },
    isCurrent?: () => boolean,
  ) => Promise<void>;
  /** Runs one action; on success `after` (asking the affected data again) runs before the result is returned. */
  readonly act: <T>(call: () => Promise<T>, after?: () => Promise<unknown>) => Promise<ActionResult<T>>;
}

export type Slice<S, Own> = (kit: SliceKit<S>) => Own;

export interface ConnectionFields {
  readonly connection: 'connecting' | 'live' | 'offline' | 'unauthorized';
  readonly connectionError: string | undefined;
}

export function makeKit<S extends ConnectionFields>(
  api: NodeApi,
  set: (partial: Partial<S>) => void,
  get: () => S,
): SliceKit<S> {
  const fail = (err: unknown) => {
    if (err instanceof RemoteError && err.code === ErrorCode.Unauthorized) {
      set({ connection: 'unauthorized', connectionError: err.message } as Partial<S>);
    } else {
      set({ connection: 'offline', connectionError: messageOf(err) } as Partial<S>);
    }
  };
  const fetched: SliceKit<S>['fetched'] = async (call, onValue, onFailure) => {
    let value;
    try {
      value = await call();
    } catch (err) {
      if (onFailure && err instanceof RemoteError && err.code !== ErrorCode.Unauthorized) onFailure(failureOf(err));
      else fail(err);
      return;
    }
    onValue(value);
  };
  return {
    api,
    set,
    get,
    fail,
    fetched,
    loadInto: (call, key, error, isCurrent = () => true) =>
      fetched(
        call,
        (value) => {
          if (isCurrent()) set({ [key]: value, ...(error ? { [error.key]: undefined } : {}) } as Partial<S>);
        },
        error &&
          ((failure) => {
            if (isCurrent()) set({ [error.key]: error.as === 'message' ? failure.message : failure } as Partial<S>);
          }),
      ),
    async act(call, after) {
      let value;
      try {
        value = await call();
      } catch (err) {
        return { ok: false, error: failureOf(err) };
      }
      if (after) await after();
      return { ok: true, value };
    },
  };
}
