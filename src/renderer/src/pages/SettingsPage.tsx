import { useId, useRef, useState } from 'react';
import { DEFAULT_CA_ADDRESS, THEMES, parseServiceAddress, type Settings, type Theme } from '../../../shared/settings';
import { useApp, type SaveError } from '../store';

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

/** TrustChain: which CA certifies this node, an optional pin of its root, and whether self-signed peers are served. */
function TrustSection(props: { settings: Settings }) {
  const { trust } = props.settings;
  const applyNow = useApp((s) => s.applyNow);
  const ids = useId();
  const [draft, setDraft] = useState<{ caAddress: string; pin: string } | null>(null);
  const [showErrors, setShowErrors] = useState(false);
  const [refused, setRefused] = useState<SaveError | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const addressInput = useRef<HTMLInputElement>(null);
  const pinInput = useRef<HTMLInputElement>(null);

  // Until the user edits, the fields follow the stored settings (which the CLI may change too).
  const caAddress = draft?.caAddress ?? trust.caAddress;
  const pin = draft?.pin ?? trust.caRootSha256 ?? '';
  const serverIssue = (path: string) => refused?.issues.find((i) => i.path === path)?.message ?? null;
  const addressError = (showErrors ? caAddressProblem(caAddress.trim()) : null) ?? serverIssue('trust.caAddress');
  const pinError = (showErrors ? pinProblem(pin.trim()) : null) ?? serverIssue('trust.caRootSha256');
  const edit = (change: Partial<{ caAddress: string; pin: string }>) => {
    setDraft({ caAddress, pin, ...change });
    setSaved(false);
    setRefused(null);
  };
  const describedBy = (...parts: (string | false)[]) => parts.filter(Boolean).join(' ') || undefined;

  const save = async () => {
    const address = caAddress.trim();
    const pinText = pin.trim();
    setShowErrors(true);
    if (caAddressProblem(address) || pinProblem(pinText)) {
      (caAddressProblem(address) ? addressInput : pinInput).current?.focus();
      return;
    }
    setSaving(true);
    const error = await applyNow({
      trust: { caAddress: address, caRootSha256: pinText === '' ? null : normalisePin(pinText) },
    });
    setSaving(false);
    if (error) {
      setRefused(error);
      return;
    }
    setDraft(null);
    setShowErrors(false);
    setSaved(true);
  };

  return (
    <section className="card" aria-labelledby={`${ids}-trust`}>
      <h2 id={`${ids}-trust`}>TrustChain</h2>
      <p>
        A TrustChain certificate authority certifies that this node owns its NodeId, so that peers can trust it. The
        Certificates page shows what it issued.
      </p>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div className="field long">
          <label htmlFor={`${ids}-ca`}>Certificate authority (HOST:PORT; empty turns TrustChain off)</label>
          <input
            id={`${ids}-ca`}
            ref={addressInput}
            data-testid="trust-ca-address-input"
            value={caAddress}
            spellCheck={false}
            autoComplete="off"
            aria-invalid={addressError !== null}
            aria-describedby={describedBy(`${ids}-ca-hint`, addressError !== null && `${ids}-ca-error`)}
            onChange={(e) => edit({ caAddress: e.target.value })}
          />
          <span id={`${ids}-ca-hint`} className="note">
            The HyperMesh CA is <code>{DEFAULT_CA_ADDRESS}</code>.
          </span>
          {addressError && (
            <span id={`${ids}-ca-error`} className="field-error">
              {addressError}
            </span>
          )}
        </div>
        <div className="field long">
          <label htmlFor={`${ids}-pin`}>Pinned root certificate SHA-256 (optional)</label>
          <input
            id={`${ids}-pin`}
            ref={pinInput}
            data-testid="trust-root-pin-input"
            value={pin}
            spellCheck={false}
            autoComplete="off"
            aria-invalid={pinError !== null}
            aria-describedby={describedBy(`${ids}-pin-hint`, pinError !== null && `${ids}-pin-error`)}
            onChange={(e) => edit({ pin: e.target.value })}
          />
          <span id={`${ids}-pin-hint`} className="note">
            Empty: the root the CA shows first is trusted from then on.
          </span>
          {pinError && (
            <span id={`${ids}-pin-error`} className="field-error">
              {pinError}
            </span>
          )}
        </div>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={saving || draft === null}>
            Save TrustChain settings
          </button>
          {caAddress !== DEFAULT_CA_ADDRESS && (
            <button type="button" onClick={() => edit({ caAddress: DEFAULT_CA_ADDRESS })}>
              Use the HyperMesh CA
            </button>
          )}
          <span role="status" data-testid="trust-saved">
            {saved ? 'Saved.' : ''}
          </span>
        </div>
        {refused && refused.issues.length === 0 && <p className="field-error">Not saved: {refused.message}</p>}
      </form>
      <label className="check">
        <input
          type="checkbox"
          data-testid="trust-accept-self-signed"
          checked={trust.acceptSelfSignedPeers}
          onChange={(e) => void applyNow({ trust: { acceptSelfSignedPeers: e.target.checked } })}
        />
        Also serve peers that only have a self-signed certificate (TrustChain's own requests are always answered)
      </label>
    </section>
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
        <label className="field">
          <span>Theme</span>
          <select
            data-testid="theme"
            value={settings.app.theme}
            onChange={(e) => void applyNow({ app: { theme: e.target.value as Theme } })}
          >
            {THEMES.map((t) => (
              <option key={t} value={t}>
                {t === 'system' ? 'Follow the system' : t === 'light' ? 'Light' : 'Dark'}
              </option>
            ))}
          </select>
        </label>
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
      </section>
      <TrustSection settings={settings} />
    </div>
  );
}
