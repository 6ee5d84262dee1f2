import { useState } from 'react';
import { NOTICE_KINDS, NOTICE_LABELS } from '../../../../shared/notifications';
import type { Settings } from '../../../../shared/settings';
import { useApp, type SaveError } from '../../store';

/** Settings: one switch per notice kind; the node sends no notice of a kind turned off. */
export function NotificationsSection(props: { readonly settings: Settings; readonly inElectron: boolean }) {
  const applyNow = useApp((s) => s.applyNow);
  const [refused, setRefused] = useState<SaveError | null>(null);
  return (
    <section className="card" aria-labelledby="settings-notifications">
      <h2 id="settings-notifications">Notifications</h2>
      <p>
        {props.inElectron
          ? 'The desktop app shows these as system notifications.'
          : 'This page shows these as messages in its corner while it is open.'}
      </p>
      {NOTICE_KINDS.map((kind) => (
        <label key={kind} className="check">
          <input
            type="checkbox"
            data-testid={`notify-${kind}`}
            checked={props.settings.notifications[kind]}
            onChange={(e) => {
              setRefused(null);
              void applyNow({ notifications: { [kind]: e.target.checked } }).then((failure) => {
                if (failure) setRefused(failure);
              });
            }}
          />
          {NOTICE_LABELS[kind]}
        </label>
      ))}
      {refused && (
        <p className="field-error" role="alert">
          Not changed: {refused.message}
        </p>
      )}
    </section>
  );
}
