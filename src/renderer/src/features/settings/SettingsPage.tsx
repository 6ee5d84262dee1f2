import { useId, useRef, useState, type ReactNode } from 'react';
import {
  DEFAULT_CA_ADDRESS,
  THEMES,
  parseServiceAddress,
  type MeshSettings,
  type TrustSettings,
} from '../../../../shared/settings';
import { bootstrapProblem } from '../network/mesh';
import { useApp, type SaveError } from '../../store';
import { Field, LabelledSelect, TextField } from '../../components/Field';
import { ActionForm } from '../../components/ActionForm';
import { useSettingsForm } from './useSettingsForm';
import { NotificationsSection } from '../notifications/NotificationsSection';

/** A root fingerprint as people paste it (openssl prints `AB:CD:…`) in the form the node stores. */
function normalisePin(text: string): string {
  return text.replace(/[\s:]/g, '').toLowerCase();
}

function caAddressProblem(text: string): string | null {
  if (text === '' || parseServiceAddress(text) !== null) return null;
  return 'Enter HOST:PORT — a name such as trust.example.org:9292, an IPv4 address, or an IPv6 address in brackets such as [2001:db8::1]:9292 — or leave it empty to turn TrustChain off.';
}

function pinProblem(text: string): string | null {
  if (text === '' || /^[0-9a-f]{64}$/.test(normalisePin(text))) return null;
  return 'A root fingerprint is 64 hexadecimal digits (colons and spaces are ignored); leave it empty to pin none.';
}

type TrustDraft = { caAddress: string; pin: string };

/** A field of the TrustChain form: what it asks, what is wrong with a value (null when nothing), its settings path. */
interface TrustField {
  readonly key: keyof TrustDraft;
  readonly label: string;
  readonly hint: ReactNode;
  readonly testId: string;
  readonly problem: (text: string) => string | null;
  readonly setting: string;
}

const TRUST_FIELDS: readonly TrustField[] = [
  {
    key: 'caAddress',
    label: 'Certificate authority (HOST:PORT; empty turns TrustChain off)',
    hint: (
      <>
        The HyperMesh CA is <code>{DEFAULT_CA_ADDRESS}</code>.
      </>
    ),
    testId: 'trust-ca-address-input',
    problem: caAddressProblem,
    setting: 'trust.caAddress',
  },
  {
    key: 'pin',
    label: 'Pinned root certificate SHA-256 (optional)',
    hint: 'Empty: the root the CA shows first is trusted from then on.',
    testId: 'trust-root-pin-input',
    problem: pinProblem,
    setting: 'trust.caRootSha256',
  },
];

/** TrustChain: which CA certifies this node, an optional pin of its root, and whether self-signed peers are served. */
function TrustSection({ trust }: { trust: TrustSettings }) {
  const ids = useId();
  const form = useSettingsForm<TrustDraft>({ caAddress: trust.caAddress, pin: trust.caRootSha256 ?? '' });
  const inputs = { caAddress: useRef<HTMLInputElement>(null), pin: useRef<HTMLInputElement>(null) };
  const values = form.value;
  const { caAddress, pin } = values;
  const errorOf = (f: TrustField) =>
    (form.showErrors ? f.problem(values[f.key].trim()) : null) ?? form.issue(f.setting);
  const edit = (change: Partial<TrustDraft>) => form.edit({ ...values, ...change });

  const save = async () => {
    const address = caAddress.trim();
    const pinText = pin.trim();
    form.attempt();
    const invalid = TRUST_FIELDS.find((f) => f.problem(values[f.key].trim()) !== null);
    if (invalid) {
      inputs[invalid.key].current?.focus();
      return;
    }
    await form.save({
      trust: { caAddress: address, caRootSha256: pinText === '' ? null : normalisePin(pinText) },
    });
  };

  return (
    <section className="card" aria-labelledby={`${ids}-trust`}>
      <h2 id={`${ids}-trust`}>TrustChain</h2>
      <p>
        A TrustChain certificate authority certifies that this node owns its NodeId, so that peers can trust it. The
        Certificates page shows what it issued.
      </p>
      <ActionForm onSubmit={save}>
        {TRUST_FIELDS.map((f) => (
          <TextField
            key={f.key}
            id={`${ids}-${f.key}`}
            label={f.label}
            className="field long"
            value={values[f.key]}
            hint={f.hint}
            error={errorOf(f)}
            inputRef={inputs[f.key]}
            testId={f.testId}
            input={{ spellCheck: false }}
            onChange={(value) => edit({ [f.key]: value })}
          />
        ))}
        <SaveActions form={form} label="Save TrustChain settings" testId="trust-saved">
          {caAddress !== DEFAULT_CA_ADDRESS && (
            <button type="button" onClick={() => edit({ caAddress: DEFAULT_CA_ADDRESS })}>
              Use the HyperMesh CA
            </button>
          )}
        </SaveActions>
      </ActionForm>
      <label className="check">
        <input
          type="checkbox"
          data-testid="trust-accept-self-signed"
          checked={trust.acceptSelfSignedPeers}
          onChange={(e) => void form.applyNow({ trust: { acceptSelfSignedPeers: e.target.checked } })}
        />
        Also serve peers that only have a self-signed certificate (TrustChain's own requests are always answered)
      </label>
    </section>
  );
}

type MeshToggle = Exclude<keyof MeshSettings, 'bootstrap'>;

const MESH_TOGGLES: readonly { key: MeshToggle; label: string; hint: string }[] = [
  {
    key: 'enabled',
    label: 'Join the mesh',
    hint: 'Find peers and announce what this node shares. Off keeps the node to direct connections.',
  },
  { key: 'mdns', label: 'LAN discovery (mDNS)', hint: 'Find peers on the local network by multicast DNS.' },
  {
    key: 'relay',
    label: 'Relay for peers behind NAT',
    hint: "Carry connections for peers that cannot be reached directly; uses this node's bandwidth share.",
  },
];

/** The mesh: whether to join it, where to join it through, LAN discovery and relaying for others. */
function MeshSection({ mesh }: { mesh: MeshSettings }) {
  const ids = useId();
  const form = useSettingsForm(mesh.bootstrap);
  const [toggleRefused, setToggleRefused] = useState<SaveError | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const bootstrap = form.value;
  const error = (form.showErrors ? bootstrapProblem(bootstrap.trim()) : null) ?? form.issue('mesh.bootstrap');

  const save = async () => {
    const text = bootstrap.trim();
    form.attempt();
    if (bootstrapProblem(text)) {
      input.current?.focus();
      return;
    }
    await form.save({ mesh: { bootstrap: text } });
  };

  return (
    <section className="card" aria-labelledby={`${ids}-mesh`}>
      <h2 id={`${ids}-mesh`}>Mesh</h2>
      <p>
        The mesh finds peers, tells them how to reach this node and what it shares, and finds what they share (see the{' '}
        <a href="#/marketplace">Marketplace</a>).
      </p>
      {MESH_TOGGLES.map((t) => (
        <div key={t.key}>
          <label className="check">
            <input
              type="checkbox"
              data-testid={`mesh-${t.key}`}
              checked={mesh[t.key]}
              aria-describedby={`${ids}-mesh-${t.key}-hint`}
              onChange={(e) => {
                setToggleRefused(null);
                void form.applyNow({ mesh: { [t.key]: e.target.checked } }).then((failure) => {
                  if (failure) setToggleRefused(failure);
                });
              }}
            />
            {t.label}
          </label>
          <span id={`${ids}-mesh-${t.key}-hint`} className="note">
            {t.hint}
          </span>
        </div>
      ))}
      {toggleRefused && (
        <p className="field-error" role="alert">
          Not saved: {toggleRefused.message}
        </p>
      )}
      <ActionForm onSubmit={save}>
        <Field
          id={`${ids}-bootstrap`}
          label="Bootstrap peers (HOST:PORT, separated by commas or spaces)"
          className="field long"
          hint={
            <>
              Besides these, the node joins through the nodes the TrustChain name <code>hypermesh</code> resolves to.
            </>
          }
          error={error}
        >
          {(aria) => (
            <textarea
              id={`${ids}-bootstrap`}
              ref={input}
              data-testid="mesh-bootstrap-input"
              rows={3}
              value={bootstrap}
              spellCheck={false}
              autoComplete="off"
              {...aria}
              onChange={(e) => form.edit(e.target.value)}
            />
          )}
        </Field>
        <SaveActions form={form} label="Save bootstrap peers" testId="mesh-saved" />
      </ActionForm>
    </section>
  );
}

/** A settings form's end: its save button (and any other action), whether the last save went through, what was not. */
function SaveActions(props: {
  form: Pick<ReturnType<typeof useSettingsForm>, 'draft' | 'saving' | 'saved' | 'unplaced'>;
  label: string;
  testId: string;
  children?: ReactNode;
}) {
  const { draft, saving, saved, unplaced } = props.form;
  return (
    <>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={saving || draft === null}>
          {props.label}
        </button>
        {props.children}
        <span role="status" data-testid={props.testId}>
          {saved ? 'Saved.' : ''}
        </span>
      </div>
      {unplaced !== null && <p className="field-error">Not saved: {unplaced}</p>}
    </>
  );
}

export function SettingsPage(props: { inElectron: boolean }) {
  const status = useApp((s) => s.status);
  const settings = useApp((s) => s.settings);
  const applyNow = useApp((s) => s.applyNow);
  if (!status || !settings) return <p>Loading…</p>;
  return (
    <div className="page settings">
      <h1>Settings</h1>
      <section className="card" aria-labelledby="settings-data">
        <h2 id="settings-data">Data</h2>
        <p>
          The node keeps its identity, settings and logs in <code data-testid="data-dir">{status.dataDir}</code>. Start
          the node with <code>--data-dir</code> to use another folder.
        </p>
      </section>
      <section className="card" aria-labelledby="settings-app">
        <h2 id="settings-app">Appearance and start-up</h2>
        <LabelledSelect
          label="Theme"
          testId="theme"
          value={settings.app.theme}
          options={THEMES}
          text={(t) => (t === 'system' ? 'Follow the system' : t === 'light' ? 'Light' : 'Dark')}
          onChange={(theme) => void applyNow({ app: { theme } })}
        />
        <label className="check">
          <input
            type="checkbox"
            checked={settings.app.startAtLogin}
            disabled={!props.inElectron}
            onChange={(e) => void applyNow({ app: { startAtLogin: e.target.checked } })}
          />
          Start HyperMesh when I log in
          {!props.inElectron && <span className="note"> (desktop app only)</span>}
        </label>
        <label className="check">
          <input
            type="checkbox"
            data-testid="auto-update"
            checked={settings.app.autoUpdate}
            disabled={!props.inElectron}
            onChange={(e) => void applyNow({ app: { autoUpdate: e.target.checked } })}
          />
          Check for updates (at start and every 12 hours; you choose when to restart)
          {!props.inElectron && <span className="note"> (desktop app only)</span>}
        </label>
        <button type="button" onClick={() => void applyNow({ app: { onboardingCompletedAt: null } })}>
          Show the welcome guide again
        </button>
      </section>
      <TrustSection trust={settings.trust} />
      <MeshSection mesh={settings.mesh} />
      <NotificationsSection settings={settings} inElectron={props.inElectron} />
    </div>
  );
}
