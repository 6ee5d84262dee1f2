import { useEffect, useRef, useState } from 'react';
import { Banner } from './components/Banner';
import { ActivityPage } from './features/activity/ActivityPage';
import { Sidebar } from './components/Sidebar';
import { CertificatesPage } from './features/certificates/CertificatesPage';
import { DashboardPage } from './features/dashboard/DashboardPage';
import { JobsPage } from './features/jobs/JobsPage';
import { AssetsPage } from './features/assets/AssetsPage';
import { LogsPage } from './features/logs/LogsPage';
import { MarketplacePage } from './features/marketplace/MarketplacePage';
import { MemoryPage } from './features/memory/MemoryPage';
import { NetworkPage } from './features/network/NetworkPage';
import { Onboarding } from './features/onboarding/Onboarding';
import { SettingsPage } from './features/settings/SettingsPage';
import { SharingPage } from './features/sharing/SharingPage';
import { Toasts } from './features/notifications/Toasts';
import { WalletPage } from './features/wallet/WalletPage';
import { nameFromUrl, pageFromHash, pageFromInternalUrl, type PageId } from './routes';
import { shortNodeId } from './format';
import { useApp, type NameResolution } from './store';

function useHashPage(): PageId {
  const [page, setPage] = useState(() => pageFromHash(window.location.hash));
  useEffect(() => {
    const onHash = () => setPage(pageFromHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return page;
}

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

function NotAuthorized(props: { message: string | undefined }) {
  return (
    <main className="center-screen">
      <h1>Not connected to your node</h1>
      <p>
        This page has no valid access token. Open the address that <code>hypermesh node</code> (or{' '}
        <code>npm start</code>) printed, which carries the token.
      </p>
      {props.message && <p className="note">{props.message}</p>}
    </main>
  );
}

/** How long the line under the http3:// box says what a name resolved to. */
const RESOLUTION_SHOWN_MS = 30_000;

type Resolution =
  { readonly kind: 'pending'; readonly name: string } | { readonly kind: 'done'; readonly result: NameResolution };

/** The line under the http3:// box: which node a name belongs to, as TrustChain vouches for it (or why not). */
function ResolutionText(props: { resolution: Resolution }) {
  const r = props.resolution;
  if (r.kind === 'pending') return <>Resolving http3://{r.name} through TrustChain…</>;
  const result = r.result;
  if (!result.verified) {
    return (
      <>
        http3://{result.name}: node not verified through TrustChain ({result.reason})
      </>
    );
  }
  const { record, caName } = result;
  return (
    <>
      http3://{record.name} → <strong title={record.nodeId}>{shortNodeId(record.nodeId)}</strong> (verified by{' '}
      {caName ?? `CA ${record.caId.slice(0, 8)}`})
    </>
  );
}

function InternalNameBox() {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [resolution, setResolution] = useState<Resolution | null>(null);
  const resolveName = useApp((s) => s.resolveName);
  const latest = useRef(0);
  useEffect(() => {
    // The answer is news about the name just opened; it does not stay on while the user moves on.
    if (resolution?.kind !== 'done') return;
    const timer = setTimeout(() => setResolution(null), RESOLUTION_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [resolution]);
  return (
    <form
      className="goto"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        const page = pageFromInternalUrl(value);
        const name = nameFromUrl(value);
        const request = ++latest.current;
        if (page && name) {
          window.location.hash = `#/${page}`;
          setError(null);
          setValue('');
          // Navigation does not wait for this: without a CA the name still opens its page.
          setResolution({ kind: 'pending', name });
          void resolveName(name).then((result) => {
            if (latest.current === request) setResolution({ kind: 'done', result });
          });
        } else {
          setError(`"${value}" is not a HyperMesh name (try http3://caesar)`);
          setResolution(null);
        }
      }}
    >
      <label htmlFor="goto-input" className="visually-hidden">
        Open a HyperMesh address
      </label>
      <input
        id="goto-input"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        placeholder="http3://hypermesh"
        aria-invalid={error !== null}
        aria-describedby={error ? 'goto-error' : undefined}
      />
      {error && (
        <span id="goto-error" className="field-error">
          {error}
        </span>
      )}
      <span className="resolution" role="status" data-testid="name-resolution">
        {resolution && <ResolutionText resolution={resolution} />}
      </span>
    </form>
  );
}

export function App(props: { inElectron: boolean }) {
  const page = useHashPage();
  const now = useNow(1000);
  const connection = useApp((s) => s.connection);
  const connectionError = useApp((s) => s.connectionError);
  const status = useApp((s) => s.status);
  const theme = useApp((s) => s.settings?.app.theme ?? 'system');
  const hardwareError = useApp((s) => s.hardwareError);
  const settings = useApp((s) => s.settings);

  useEffect(() => {
    // "system" follows the OS setting live; the stylesheet only knows light and dark.
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = () => {
      document.documentElement.dataset.theme = theme === 'system' ? (media.matches ? 'dark' : 'light') : theme;
    };
    apply();
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [theme]);

  if (connection === 'unauthorized') return <NotAuthorized message={connectionError} />;

  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/dashboard">
          <img src="./favicon.svg" alt="" width={24} height={24} /> HyperMesh
        </a>
        <InternalNameBox />
        <span className="node-chip" title={status?.nodeId}>
          {status ? status.nodeIdShort : '…'}
        </span>
        <span className={`conn conn-${connection}`} data-testid="connection">
          {connection === 'live' ? 'Connected' : connection === 'connecting' ? 'Connecting…' : 'Node unreachable'}
        </span>
      </header>
      <Sidebar page={page} />
      <main className="content" id="main">
        <div className="banners">
          {connection === 'offline' && (
            <Banner severity="error">
              The node cannot be reached{connectionError ? `: ${connectionError}` : ''}. Retrying…
            </Banner>
          )}
          {status?.health.map((h) => (
            <Banner key={h.code} severity={h.severity}>
              {h.message}
            </Banner>
          ))}
          {hardwareError && <Banner severity="warning">Hardware could not be read: {hardwareError}</Banner>}
        </div>
        {page === 'dashboard' && <DashboardPage now={now} />}
        {page === 'sharing' && <SharingPage />}
        {page === 'logs' && <LogsPage />}
        {page === 'network' && <NetworkPage now={now} />}
        {page === 'certificates' && <CertificatesPage now={now} />}
        {page === 'settings' && <SettingsPage inElectron={props.inElectron} />}
        {page === 'assets' && <AssetsPage />}
        {page === 'marketplace' && <MarketplacePage now={now} />}
        {page === 'wallet' && <WalletPage now={now} />}
        {page === 'memory' && <MemoryPage now={now} />}
        {page === 'jobs' && <JobsPage now={now} />}
        {page === 'activity' && <ActivityPage now={now} />}
      </main>
      {settings?.app.onboardingCompletedAt === null && <Onboarding settings={settings} />}
      {/* The desktop app shows notices as system notifications (src/main); a browser shows them here. */}
      {!props.inElectron && <Toasts />}
    </div>
  );
}
