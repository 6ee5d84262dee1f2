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

/**
 * A checked form field: its value, its input (focused when the form is sent invalid), and whether it was edited, since
 * its error shows only once it is edited or the form has been sent.
 */
export function useFormField(initial: string) {
  const [value, setValue] = useState(initial);
  const [edited, setEdited] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  return {
    value,
    inputRef,
    /** What its TextField or NumberField spreads: the value, the check's error when shown, the input, the onChange. */
    props: (check: { ok: boolean; error?: string }, sent: boolean) => ({
      value,
      error: (edited || sent) && !check.ok ? (check.error ?? null) : null,
      inputRef,
      onChange: (next: string) => {
        setValue(next);
        setEdited(true);
      },
    }),
    reset: () => {
      setValue(initial);
      setEdited(false);
    },
  };
}
