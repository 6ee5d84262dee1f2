import { useState } from 'react';
import { PRIVACY_LEVEL_INFO } from '../../../../shared/privacy';
import { RESOURCE_KINDS } from '../../../../shared/settings';
import type { SharingView } from '../../../../shared/sharing-view';
import { useApp } from '../../store';
import { PauseControl } from '../sharing/SharingNow';
import { RESOURCE_TITLES, capacityText } from '../sharing/SharingPage';

const SHARING_TEXT = {
  off: 'Not sharing — privacy level is Private',
  paused: 'Sharing paused',
  active: 'Sharing',
} as const;

/** What this computer shares, with the one large Pause / Resume. */
export function SharingCard(props: { readonly allowance: SharingView }) {
  const status = useApp((s) => s.status);
  const settings = useApp((s) => s.settings);
  const hardware = useApp((s) => s.hardware);
  const pauseSharing = useApp((s) => s.pauseSharing);
  const resumeSharing = useApp((s) => s.resumeSharing);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  if (!status || !settings) return null;
  const act = (run: () => Promise<string | undefined>) => {
    setBusy(true);
    void run().then((failure) => {
      setError(failure);
      setBusy(false);
    });
  };
  return (
    <section className="card wide sharing-card" aria-labelledby="dash-sharing">
      <h2 id="dash-sharing">What you share</h2>
      <p className={`pill pill-${status.sharing}`} data-testid="sharing-state">
        {SHARING_TEXT[status.sharing]}
      </p>
      <p>
        Privacy level:{' '}
        <strong data-testid="dashboard-privacy">{PRIVACY_LEVEL_INFO[settings.privacyLevel].title}</strong>
      </p>
      {status.sharing === 'off' && (
        <p>
          Nothing is offered to peers. To share, choose a privacy level and amounts on the{' '}
          <a href="#/sharing">Sharing</a> page.
        </p>
      )}
      <PauseControl
        view={props.allowance}
        busy={busy}
        onPause={(request) => act(() => pauseSharing(request))}
        onResume={() => act(resumeSharing)}
      />
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <ul className="resource-list">
        {RESOURCE_KINDS.map((kind) => (
          <li key={kind} data-testid={`dashboard-share-${kind}`}>
            <span className="resource-name">{RESOURCE_TITLES[kind]}</span>
            <meter min={0} max={100} value={status.effectiveAllocation[kind]} aria-label={`${kind} shared`} />
            <span>{capacityText(kind, status.effectiveAllocation[kind], hardware)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
