import { THEMES, type Theme } from '../../../shared/settings';
import { useApp } from '../store';

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
    </div>
  );
}
