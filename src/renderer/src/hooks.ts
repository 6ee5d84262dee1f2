import { useCallback, useEffect, useRef, useState } from 'react';
import type { ActionResult, NodeFailure } from './state/kit';

/** Calls `refresh` now and every `intervalMs` while the component is shown. */
export function usePolling(refresh: () => Promise<void>, intervalMs: number): void {
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), intervalMs);
    return () => clearInterval(timer);
  }, [refresh, intervalMs]);
}

/** A form's or a button's action as it runs: which one runs, and the node's refusal of the last one. */
export interface Submit<K extends string> {
  /** The action running now, or null. */
  readonly pending: K | null;
  /** The last action's refusal (cleared when the next one starts), and which action it was. */
  readonly failure: { readonly kind: K; readonly error: NodeFailure } | null;
  /** Runs `call` unless an action is already running (then it resolves with null at once). */
  readonly run: <T>(kind: K, call: () => Promise<ActionResult<T>>) => Promise<ActionResult<T> | null>;
  readonly clearFailure: () => void;
  /** True while an action runs: for event handlers that must not wait for a render. */
  readonly isRunning: () => boolean;
}

/**
 * The submit sequence every form shares: one action at a time, its pending state, and its refusal kept for the page.
 * A ref as well as the state, because two quick submits can both run before React re-renders the disabled button.
 */
export function useSubmit<K extends string = 'submit'>(): Submit<K> {
  const inFlight = useRef(false);
  const [pending, setPending] = useState<K | null>(null);
  const [failure, setFailure] = useState<Submit<K>['failure']>(null);
  const run = useCallback(async <T>(kind: K, call: () => Promise<ActionResult<T>>) => {
    if (inFlight.current) return null;
    inFlight.current = true;
    setPending(kind);
    setFailure(null);
    try {
      const result = await call();
      if (!result.ok) setFailure({ kind, error: result.error });
      return result;
    } finally {
      inFlight.current = false;
      setPending(null);
    }
  }, []);
  const clearFailure = useCallback(() => setFailure(null), []);
  const isRunning = useCallback(() => inFlight.current, []);
  return { pending, failure, run, clearFailure, isRunning };
}

/** Which of a form's fields the user has edited: a field's error shows once it is edited (or the form submitted). */
export function useTouched<F extends string>(fields: readonly F[]) {
  const untouched = () => Object.fromEntries(fields.map((f) => [f, false])) as Record<F, boolean>;
  const [touched, setTouched] = useState(untouched);
  return {
    touched,
    /** An onChange that sets the value and marks the field edited. */
    edited: (field: F, set: (value: string) => void) => (value: string) => {
      set(value);
      setTouched((t) => ({ ...t, [field]: true }));
    },
    reset: () => setTouched(untouched()),
  };
}
