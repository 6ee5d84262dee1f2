import { useEffect, useRef } from 'react';
import { useApp } from '../../store';
import type { Toast } from './slice';

/** How long a toast stays unless dismissed (or hovered: the person is reading it). */
export const TOAST_SHOWN_MS = 12_000;

function ToastItem(props: { readonly toast: Toast; readonly dismiss: (id: number) => void }) {
  const { id, notice } = props.toast;
  const { dismiss } = props;
  const hovered = useRef(false);
  useEffect(() => {
    const timer = setInterval(() => {
      if (!hovered.current) dismiss(id);
    }, TOAST_SHOWN_MS);
    return () => clearInterval(timer);
  }, [dismiss, id]);
  return (
    <li
      className={`toast toast-${notice.kind}`}
      data-testid="toast"
      data-kind={notice.kind}
      onMouseEnter={() => (hovered.current = true)}
      onMouseLeave={() => (hovered.current = false)}
    >
      <strong>{notice.title}</strong>
      <span>{notice.body}</span>
      <button type="button" className="toast-close" onClick={() => dismiss(id)} aria-label={`Dismiss: ${notice.title}`}>
        ×
      </button>
    </li>
  );
}

/**
 * The browser's notices: a polite live region that reads each new toast, and a toast of its own when the node stops
 * answering (unless node-failure notices are off).
 */
export function Toasts() {
  const toasts = useApp((s) => s.toasts);
  const dismissToast = useApp((s) => s.dismissToast);
  const showNotice = useApp((s) => s.showNotice);
  const connection = useApp((s) => s.connection);
  const connectionError = useApp((s) => s.connectionError);
  const failureOn = useApp((s) => s.settings?.notifications['node-failure'] ?? true);
  const previous = useRef(connection);
  useEffect(() => {
    const was = previous.current;
    previous.current = connection;
    if (was === 'live' && connection === 'offline' && failureOn) {
      const body = `The page lost its connection to the node${connectionError ? ` (${connectionError})` : ''}. It keeps retrying.`;
      showNotice({ kind: 'node-failure', title: 'The node stopped answering', body, at: new Date().toISOString() });
    }
  }, [connection, connectionError, failureOn, showNotice]);
  return (
    <div className="toasts" role="status" aria-live="polite" aria-label="Notifications">
      <ul>
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} dismiss={dismissToast} />
        ))}
      </ul>
    </div>
  );
}
