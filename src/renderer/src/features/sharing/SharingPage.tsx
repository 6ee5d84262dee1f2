import { DataTable } from '../../components/DataTable';
import { useId } from 'react';
import type { HardwareInfo } from '../../../../shared/hardware';
import { ALLOCATION_TYPE_INFO, PRIVACY_LEVEL_INFO, allocatedCapacity, isSharing } from '../../../../shared/privacy';
import {
  ALLOCATION_TYPES,
  LIMIT_RANGES,
  PRIVACY_LEVELS,
  PROOF_KINDS,
  PROXY_MAX_PROVIDERS_RANGE,
  PROXY_SELECTIONS,
  RESOURCE_KINDS,
  type ResourceKind,
  type Settings,
} from '../../../../shared/settings';
import type { SensorCode } from '../../../../shared/sharing-policy';
import { Banner } from '../../components/Banner';
import { RulesEditor } from './RulesEditor';
import { RESOURCE_TITLES } from './sharing';

// The Dashboard reads the titles from here.
export { RESOURCE_TITLES };
import { useApp, useAppFields } from '../../store';
import { LabelledSelect } from '../../components/Field';

const PROOF_TITLES = {
  space: 'Proof of Space — where the resource lives',
  stake: 'Proof of Stake — who stands behind it',
  work: 'Proof of Work — what was computed and how',
  time: 'Proof of Time — when it happened',
} as const;

const SELECTION_TITLES = {
  trust: 'Most trusted first (stake and certificate standing)',
  latency: 'Fastest first (lowest latency)',
  balanced: 'Balanced',
} as const;

export function capacityText(kind: ResourceKind, percent: number, hw: HardwareInfo | undefined): string {
  if (!hw) return `${percent} %`;
  const cap = allocatedCapacity(kind, percent, hw);
  if (cap === null) {
    return kind === 'gpu' ? `${percent} % — no GPU found on this machine` : `${percent} % — link speed not reported`;
  }
  return `${percent} % = ${cap.label}`;
}

function issueFor(path: string, issues: readonly { path: string; message: string }[]): string | undefined {
  return issues.find((i) => i.path === path)?.message;
}

const NO_SENSORS_MISSING: readonly SensorCode[] = [];

/** The per-resource limits the table edits after the share, each in its column. */
const LIMIT_COLUMNS: readonly { field: keyof typeof LIMIT_RANGES; label: string }[] = [
  { field: 'maxConcurrentUsers', label: 'most users at once' },
  { field: 'maxDurationMinutes', label: 'longest lease in minutes' },
];

/** The Pause all card's sentence, from the saved settings: paused (until when), nothing to share, or on. */
function pauseSentence(saved: Settings): string {
  if (saved.sharingPaused) {
    return saved.pausedUntil
      ? `Sharing is paused until ${new Date(saved.pausedUntil).toLocaleString()}: nothing is offered to anyone until then.`
      : 'Sharing is paused: nothing is offered to anyone until you resume.';
  }
  if (!isSharing(saved)) return 'Nothing is shared: the privacy level is Private.';
  if (RESOURCE_KINDS.every((k) => saved.allocation[k] === 0)) return 'Nothing is shared: every amount below is 0 %.';
  return 'Sharing is on, within the limits below.';
}

export function SharingPage() {
  const settings = useApp((s) => s.draft ?? s.settings);
  const dirty = useApp((s) => s.draft !== undefined);
  const { saving, saveError, hardware, editDraft } = useAppFields('saving', 'saveError', 'hardware', 'editDraft');
  const { saveDraft, discardDraft, applyNow } = useAppFields('saveDraft', 'discardDraft', 'applyNow');
  const saved = useApp((s) => s.settings);
  // A constant fallback: a new [] each time would make the store selector loop.
  const unavailable = useApp((s) => s.status?.allowance.unavailable ?? NO_SENSORS_MISSING);
  const ids = useId();
  if (!settings || !saved) return <p>Loading settings…</p>;

  const levelIndex = PRIVACY_LEVELS.indexOf(settings.privacyLevel);
  const levelInfo = PRIVACY_LEVEL_INFO[settings.privacyLevel];
  const issues = saveError?.issues ?? [];
  const edit = (change: (s: Settings) => Settings) => editDraft(change);

  return (
    <div className="page sharing">
      <h1>Sharing</h1>
      <section className="card" aria-labelledby={`${ids}-pause`}>
        <h2 id={`${ids}-pause`}>Pause all</h2>
        <p>{pauseSentence(saved)}</p>
        <button
          type="button"
          className={saved.sharingPaused ? 'primary' : 'danger'}
          onClick={() => void applyNow({ sharingPaused: !saved.sharingPaused, pausedUntil: null })}
        >
          {saved.sharingPaused ? 'Resume sharing' : 'Pause all sharing'}
        </button>
      </section>

      <section className="card" aria-labelledby={`${ids}-privacy`}>
        <h2 id={`${ids}-privacy`}>Privacy level</h2>
        <label htmlFor={`${ids}-level`} className="visually-hidden">
          Privacy level
        </label>
        <input
          id={`${ids}-level`}
          data-testid="privacy-level"
          type="range"
          min={0}
          max={PRIVACY_LEVELS.length - 1}
          step={1}
          value={levelIndex}
          aria-valuetext={levelInfo.title}
          onChange={(e) => {
            const level = PRIVACY_LEVELS[Number(e.target.value)];
            if (level) edit((s) => ({ ...s, privacyLevel: level }));
          }}
        />
        <ol className="scale" aria-hidden="true">
          {PRIVACY_LEVELS.map((level) => (
            <li key={level} className={level === settings.privacyLevel ? 'current' : ''}>
              {PRIVACY_LEVEL_INFO[level].title}
            </li>
          ))}
        </ol>
        <p className="explain" data-testid="privacy-explanation">
          <strong>{levelInfo.title}.</strong> {levelInfo.summary}
        </p>
        {issueFor('privacyLevel', issues) && <p className="field-error">{issueFor('privacyLevel', issues)}</p>}

        <fieldset>
          <legend>Who may see your resources</legend>
          {ALLOCATION_TYPES.map((type) => (
            <label key={type} className="radio">
              <input
                type="radio"
                name={`${ids}-alloc-type`}
                value={type}
                checked={settings.allocationType === type}
                onChange={() => edit((s) => ({ ...s, allocationType: type }))}
              />
              <span>
                <strong>{ALLOCATION_TYPE_INFO[type].title}</strong> — {ALLOCATION_TYPE_INFO[type].summary}
              </span>
            </label>
          ))}
        </fieldset>
      </section>

      <section className="card" aria-labelledby={`${ids}-alloc`}>
        <h2 id={`${ids}-alloc`}>How much to share</h2>
        {settings.privacyLevel === 'Private' && (
          <p className="note">At the Private level these amounts are kept but nothing is shared.</p>
        )}
        <DataTable columns={['Resource', 'Share', 'Max users at once', 'Max lease (minutes)']} className="allocations">
          {RESOURCE_KINDS.map((kind) => {
            const percent = settings.allocation[kind];
            const limits = settings.limits[kind];
            const title = RESOURCE_TITLES[kind];
            return (
              <tr key={kind}>
                <th scope="row">
                  <label htmlFor={`${ids}-alloc-${kind}`}>{title}</label>
                </th>
                <td>
                  <input
                    id={`${ids}-alloc-${kind}`}
                    data-testid={`allocation-${kind}`}
                    type="range"
                    min={0}
                    max={100}
                    step={1}
                    value={percent}
                    aria-valuetext={capacityText(kind, percent, hardware)}
                    onChange={(e) =>
                      edit((s) => ({ ...s, allocation: { ...s.allocation, [kind]: Number(e.target.value) } }))
                    }
                  />
                  <output htmlFor={`${ids}-alloc-${kind}`} data-testid={`capacity-${kind}`}>
                    {capacityText(kind, percent, hardware)}
                  </output>
                  {issueFor(`allocation.${kind}`, issues) && (
                    <p className="field-error">{issueFor(`allocation.${kind}`, issues)}</p>
                  )}
                </td>
                {LIMIT_COLUMNS.map(({ field, label }) => (
                  <td key={field}>
                    <input
                      type="number"
                      aria-label={`${title}: ${label}`}
                      min={LIMIT_RANGES[field].min}
                      max={LIMIT_RANGES[field].max}
                      value={limits[field]}
                      onChange={(e) =>
                        edit((s) => ({
                          ...s,
                          limits: { ...s.limits, [kind]: { ...s.limits[kind], [field]: e.target.valueAsNumber } },
                        }))
                      }
                    />
                  </td>
                ))}
              </tr>
            );
          })}
        </DataTable>
      </section>

      <RulesEditor settings={settings} edit={edit} issues={issues} unavailable={unavailable} />

      <section className="card" aria-labelledby={`${ids}-proofs`}>
        <h2 id={`${ids}-proofs`}>Proofs required from peers</h2>
        {PROOF_KINDS.map((kind) => (
          <label key={kind} className="check">
            <input
              type="checkbox"
              checked={settings.requiredProofs[kind]}
              onChange={(e) =>
                edit((s) => ({ ...s, requiredProofs: { ...s.requiredProofs, [kind]: e.target.checked } }))
              }
            />
            {PROOF_TITLES[kind]}
          </label>
        ))}
      </section>

      <section className="card" aria-labelledby={`${ids}-rewards`}>
        <h2 id={`${ids}-rewards`}>Rewards</h2>
        <label className="field">
          <span>Lowest rate accepted (Caesar per resource-hour)</span>
          <input
            type="text"
            inputMode="decimal"
            value={settings.rewards.minimumRatePerHour}
            onChange={(e) => edit((s) => ({ ...s, rewards: { ...s.rewards, minimumRatePerHour: e.target.value } }))}
          />
        </label>
        {issueFor('rewards.minimumRatePerHour', issues) && (
          <p className="field-error">{issueFor('rewards.minimumRatePerHour', issues)}</p>
        )}
        <label className="field">
          <span>Stake automatically (% of each payout)</span>
          <input
            type="number"
            min={0}
            max={100}
            value={settings.rewards.autoStakePercent}
            onChange={(e) =>
              edit((s) => ({ ...s, rewards: { ...s.rewards, autoStakePercent: e.target.valueAsNumber } }))
            }
          />
        </label>
      </section>

      <section className="card" aria-labelledby={`${ids}-proxy`}>
        <h2 id={`${ids}-proxy`}>Proxy preferences</h2>
        <label className="check">
          <input
            type="checkbox"
            checked={settings.proxy.serveAsProxy}
            onChange={(e) => edit((s) => ({ ...s, proxy: { ...s.proxy, serveAsProxy: e.target.checked } }))}
          />
          Relay traffic and memory for other peers
        </label>
        <LabelledSelect
          label="Choose remote providers"
          value={settings.proxy.selection}
          options={PROXY_SELECTIONS}
          text={(sel) => SELECTION_TITLES[sel]}
          onChange={(selection) => edit((s) => ({ ...s, proxy: { ...s.proxy, selection } }))}
        />
        <label className="field">
          <span>Most providers per memory pool</span>
          <input
            type="number"
            min={PROXY_MAX_PROVIDERS_RANGE.min}
            max={PROXY_MAX_PROVIDERS_RANGE.max}
            value={settings.proxy.maxProviders}
            onChange={(e) => edit((s) => ({ ...s, proxy: { ...s.proxy, maxProviders: e.target.valueAsNumber } }))}
          />
        </label>
      </section>

      <div className={`save-bar ${dirty ? 'visible' : ''}`} role="region" aria-label="Unsaved changes">
        {saveError && <Banner severity="error">Not saved: {saveError.message}</Banner>}
        {dirty ? (
          <>
            <span>You have unsaved changes.</span>
            <button type="button" className="primary" disabled={saving} onClick={() => void saveDraft()}>
              {saving ? 'Saving…' : 'Save changes'}
            </button>
            <button type="button" disabled={saving} onClick={discardDraft}>
              Discard
            </button>
          </>
        ) : (
          <span data-testid="saved-state">All changes saved.</span>
        )}
      </div>
    </div>
  );
}
