import { DataTable } from '../../components/DataTable';
import type { PauseRequest, SharingView } from '../../../../shared/sharing-view';
import { PAUSE_CHOICES, shareRows, sharingHeadline, unavailableText } from './sharing';
import './sharing.css';

const formatTime = (iso: string) => new Date(iso).toLocaleString();

/** The Dashboard's large Pause / Resume: snooze for an hour, until tomorrow, or until resumed. */
export function PauseControl(props: {
  readonly view: SharingView;
  readonly busy: boolean;
  readonly onPause: (request: PauseRequest) => void;
  readonly onResume: () => void;
}) {
  const { view } = props;
  if (view.state === 'off') return null;
  return (
    <div className="pause-control" data-testid="pause-control">
      {view.state === 'paused' ? (
        <button type="button" className="primary large" disabled={props.busy} onClick={props.onResume}>
          Resume sharing
        </button>
      ) : (
        PAUSE_CHOICES.map((choice) => (
          <button
            key={choice.label}
            type="button"
            className="danger large"
            disabled={props.busy}
            onClick={() => props.onPause(choice.request)}
          >
            {choice.label}
          </button>
        ))
      )}
    </div>
  );
}

/** Per resource: what you allow now (after the rules), what peers use now, and why the allowance is lower. */
export function AllowedVsUsed(props: { readonly view: SharingView }) {
  const { view } = props;
  const missing = unavailableText(view);
  return (
    <>
      <p className={`pill pill-${view.state === 'limited' ? 'paused' : view.state}`} data-testid="sharing-headline">
        {sharingHeadline(view, formatTime)}
      </p>
      <DataTable
        columns={['Resource', 'Allowed now', 'Used by peers', 'Why lower']}
        className="allowed-vs-used"
        testId="allowed-vs-used"
      >
        {shareRows(view).map((row) => (
          <tr key={row.kind} data-testid={`allowance-${row.kind}`}>
            <th scope="row">{row.title}</th>
            <td>{row.allowed}</td>
            <td>{row.used}</td>
            <td>{row.why}</td>
          </tr>
        ))}
      </DataTable>
      {missing.length > 0 && (
        <p className="explain" data-testid="sensors-unavailable">
          {missing.join(' · ')}
        </p>
      )}
    </>
  );
}
