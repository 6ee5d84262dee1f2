import { DataTable } from '../../components/DataTable';
import type { ChainCertificate, TrustStatus } from '../../../../shared/trust';
import { Banner, EmptyState } from '../../components/Banner';
import { formatRelative, formatTime, shortNodeId } from '../../format';
import { usePolling } from '../../hooks';
import { useAppFields } from '../../store';

/**
 * How often the page asks the node (a cheap, local call; the node itself talks to its CA every few minutes): more
 * often while a certificate is on its way, so it shows up soon after the CA issued it.
 */
const POLL_MS = { settled: 5000, waiting: 2000 } as const;

/** Each state in words, with a symbol so that the colour is never the only cue. */
const STATE_TEXT: Record<TrustStatus['state'], { symbol: string; title: string; summary: string }> = {
  certified: {
    symbol: '✓',
    title: 'Certified',
    summary: 'This node holds a valid TrustChain certificate: peers can check that it is who it says it is.',
  },
  'self-signed': {
    symbol: '!',
    title: 'Not certified yet',
    summary: 'This node uses its self-signed certificate until the certificate authority issues one.',
  },
  off: {
    symbol: '○',
    title: 'Off',
    summary: 'No certificate authority is configured, so this node keeps its self-signed certificate.',
  },
  revoked: {
    symbol: '✗',
    title: 'Revoked',
    summary:
      "The certificate authority revoked this node's certificate: peers refuse it, and no new one is issued for these keys.",
  },
  distrusted: {
    symbol: '✗',
    title: 'Distrusted',
    summary: 'The certificate authority showed inconsistent transparency logs (a split view) and is no longer trusted.',
  },
};

function Time(props: { iso: string; now?: number; testId?: string }) {
  return (
    <span data-testid={props.testId}>
      <time dateTime={props.iso}>{formatTime(props.iso)}</time>
      {props.now !== undefined && <span className="note"> ({formatRelative(props.iso, props.now)})</span>}
    </span>
  );
}

/** The NodeId a node certificate is issued to: its subject's CN. */
function nodeIdOf(subject: string): string | null {
  return /(?:^|,\s*)CN=([a-z2-7]{16,})(?:,|$)/i.exec(subject)?.[1] ?? null;
}

function chainRole(index: number, length: number, cert: ChainCertificate): string {
  if (index === 0) return 'This node';
  if (index === length - 1 && cert.subject === cert.issuer) return 'Root CA (self-signed)';
  return 'Intermediate CA';
}

function StatusCard(props: { trust: TrustStatus; now: number }) {
  const { trust, now } = props;
  const text = STATE_TEXT[trust.state];
  return (
    <section className="card" aria-labelledby="trust-status">
      <h2 id="trust-status">TrustChain status</h2>
      <p className={`pill pill-trust-${trust.state}`} data-testid="trust-state">
        <span aria-hidden="true">{text.symbol}</span> {text.title}
      </p>
      <p>{text.summary}</p>
      <dl>
        <dt>Certificate authority</dt>
        <dd data-testid="trust-ca-address">
          {trust.authority ? (
            <>this node ({trust.authority.name})</>
          ) : trust.caAddress === '' ? (
            'none configured'
          ) : (
            <code>{trust.caAddress}</code>
          )}
        </dd>
        <dt>Last refresh</dt>
        <dd data-testid="trust-last-refresh">
          {trust.lastRefreshAt ? <Time iso={trust.lastRefreshAt} now={now} /> : 'not yet'}
        </dd>
        {trust.revocationListSequence !== null && (
          <>
            <dt>Revocation list</dt>
            <dd>version {trust.revocationListSequence}, as of the last refresh</dd>
          </>
        )}
      </dl>
      {trust.problem && (
        <p className="problem" data-testid="trust-problem">
          <strong>Problem:</strong> {trust.problem}
        </p>
      )}
      {trust.state === 'off' && (
        <p>
          Peers that require TrustChain certificates will not serve this node. Set a certificate authority in{' '}
          <a href="#/settings">Settings</a> to get one.
        </p>
      )}
      {trust.state === 'self-signed' && !trust.problem && (
        <p className="note">Asking the certificate authority for a certificate…</p>
      )}
      {trust.state === 'self-signed' && trust.problem && !trust.authority && (
        <p>
          Check the certificate authority's address in <a href="#/settings">Settings</a>; the node keeps retrying.
        </p>
      )}
    </section>
  );
}

function AuthorityCard(props: { authority: NonNullable<TrustStatus['authority']> }) {
  const a = props.authority;
  return (
    <section className="card" aria-labelledby="trust-authority" data-testid="authority-card">
      <h2 id="trust-authority">This node is a CA</h2>
      <p>This node runs the TrustChain certificate authority below and certifies other nodes.</p>
      <dl>
        <dt>Name</dt>
        <dd>{a.name}</dd>
        <dt>CA id</dt>
        <dd className="mono">{a.caId}</dd>
        <dt>Certificates issued</dt>
        <dd data-testid="authority-issued">{a.issued}</dd>
        <dt>Revoked</dt>
        <dd data-testid="authority-revoked">{a.revoked}</dd>
        <dt>Transparency log size</dt>
        <dd data-testid="authority-log-size">
          {a.logSize} {a.logSize === 1 ? 'entry' : 'entries'}
        </dd>
      </dl>
    </section>
  );
}

function CertificateCard(props: { cert: NonNullable<TrustStatus['certificate']>; now: number }) {
  const { cert, now } = props;
  const leaf = cert.chain[0];
  if (!leaf) return null;
  const nodeId = nodeIdOf(leaf.subject);
  const expired = Date.parse(leaf.notAfter) <= now;
  return (
    <section className="card" aria-labelledby="trust-cert">
      <h2 id="trust-cert">This node's certificate</h2>
      <dl>
        <dt>Issued to</dt>
        <dd>
          {nodeId ? (
            <>
              <strong>{shortNodeId(nodeId)}</strong> — NodeId <span className="mono">{nodeId}</span>
            </>
          ) : (
            <span className="mono">{leaf.subject}</span>
          )}
        </dd>
        <dt>Issued by</dt>
        <dd data-testid="cert-issuer">
          {cert.issuerName} (CA <code title={cert.issuerCaId}>{cert.issuerCaId.slice(0, 8)}</code>)
        </dd>
        <dt>Serial</dt>
        <dd className="mono" data-testid="cert-serial">
          {leaf.serial}
        </dd>
        <dt>Valid from</dt>
        <dd>
          <Time iso={leaf.notBefore} />
        </dd>
        <dt>Valid until</dt>
        <dd data-testid="cert-expiry">
          <time dateTime={leaf.notAfter}>{formatTime(leaf.notAfter)}</time>{' '}
          <span className={expired ? 'bad' : 'note'}>
            ({expired ? 'expired' : 'expires'} {formatRelative(leaf.notAfter, now)})
          </span>
        </dd>
        <dt>Renews</dt>
        <dd>
          <Time iso={cert.renewsAt} now={now} />
        </dd>
        <dt>SHA-256</dt>
        <dd className="mono">{leaf.sha256}</dd>
      </dl>
    </section>
  );
}

function ChainCard(props: { chain: readonly ChainCertificate[] }) {
  const { chain } = props;
  return (
    <section className="card" aria-labelledby="trust-chain">
      <h2 id="trust-chain">Chain of trust</h2>
      <p className="note">From this node's certificate up to the root it is anchored in; each is issued by the next.</p>
      <ol className="chain" data-testid="cert-chain">
        {chain.map((c, i) => (
          <li key={`${c.serial}-${i}`}>
            <h3>{chainRole(i, chain.length, c)}</h3>
            <dl>
              <dt>Subject</dt>
              <dd className="mono">{c.subject}</dd>
              <dt>Issued by</dt>
              <dd className="mono">{c.issuer}</dd>
              <dt>Serial</dt>
              <dd className="mono">{c.serial}</dd>
              <dt>Valid</dt>
              <dd>
                <time dateTime={c.notBefore}>{formatTime(c.notBefore)}</time> to{' '}
                <time dateTime={c.notAfter}>{formatTime(c.notAfter)}</time>
              </dd>
              <dt>SHA-256</dt>
              <dd className="mono">{c.sha256}</dd>
            </dl>
          </li>
        ))}
      </ol>
    </section>
  );
}

function TransparencyCard(props: { cert: NonNullable<TrustStatus['certificate']> }) {
  const t = props.cert.transparency;
  return (
    <section className="card" aria-labelledby="trust-ct">
      <h2 id="trust-ct">Transparency log</h2>
      <p className="note">Every certificate is published in its CA's append-only log, where anyone can audit it.</p>
      <dl>
        <dt>Log entry</dt>
        <dd data-testid="cert-transparency">
          entry {t.leafIndex + 1} of {t.treeSize} <span className="note">(index {t.leafIndex})</span> in{' '}
          {props.cert.issuerName}'s log
        </dd>
        <dt>Tree head signed</dt>
        <dd>
          <Time iso={t.headTimestamp} />
        </dd>
        <dt>Inclusion proof</dt>
        <dd data-testid="cert-inclusion">
          {t.inclusionVerified ? (
            <span className="good">✓ verified on this node</span>
          ) : (
            <span className="bad">✗ not verified</span>
          )}
        </dd>
      </dl>
    </section>
  );
}

function CosignersCard(props: { cosigners: readonly string[]; threshold: number | null }) {
  const { cosigners, threshold } = props;
  return (
    <section className="card" aria-labelledby="trust-pq">
      <h2 id="trust-pq">Post-quantum co-signatures</h2>
      <p className="note">Each co-signing CA adds ML-DSA-65 and Falcon-1024 signatures to the certificate.</p>
      {cosigners.length === 0 ? (
        <p data-testid="cert-cosigners">No co-signatures hold on this certificate.</p>
      ) : (
        <>
          <p data-testid="cert-cosigners">
            Co-signed by {cosigners.length} {cosigners.length === 1 ? 'CA' : 'CAs'}
            {threshold !== null && <> ({threshold} required by the federation)</>}:
          </p>
          <ul>
            {cosigners.map((name, i) => (
              <li key={`${name}-${i}`}>{name}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function FederationCard(props: { federation: NonNullable<TrustStatus['federation']> }) {
  const f = props.federation;
  const n = f.members.length;
  return (
    <section className="card" aria-labelledby="trust-federation">
      <h2 id="trust-federation">Federation</h2>
      <p data-testid="federation-summary">
        Epoch {f.epoch}: {f.threshold} of {n} {n === 1 ? 'CA' : 'CAs'} must co-sign each certificate.
      </p>
      <DataTable
        columns={['Name', 'Address', 'CA id', "Issued this node's certificate"]}
        testId="federation-table"
        caption="Certificate authorities of the federation"
      >
        {f.members.map((m) => (
          <tr key={m.caId}>
            <th scope="row">{m.name}</th>
            <td className="mono">{m.address ?? 'not published'}</td>
            <td>
              <code title={m.caId}>{m.caId.slice(0, 8)}</code>
            </td>
            <td>{m.issuedOurCertificate ? '✓ yes, ours' : 'no'}</td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

export function CertificatesPage(props: { now: number }) {
  const { trust, trustError, refreshTrust } = useAppFields('trust', 'trustError', 'refreshTrust');
  usePolling(refreshTrust, trust?.state === 'certified' ? POLL_MS.settled : POLL_MS.waiting);

  if (!trust) {
    return (
      <div className="page certificates">
        <h1>Certificates</h1>
        {trustError ? <Banner severity="error">TrustChain status unavailable: {trustError}</Banner> : <p>Loading…</p>}
      </div>
    );
  }
  const cert = trust.certificate;
  return (
    <div className="page certificates">
      <h1>Certificates</h1>
      {trustError && <Banner severity="warning">Showing the last known status: {trustError}</Banner>}
      <StatusCard trust={trust} now={props.now} />
      {trust.authority && <AuthorityCard authority={trust.authority} />}
      {cert ? (
        <>
          <CertificateCard cert={cert} now={props.now} />
          <ChainCard chain={cert.chain} />
          <div className="pair">
            <TransparencyCard cert={cert} />
            <CosignersCard cosigners={cert.cosigners} threshold={trust.federation?.threshold ?? null} />
          </div>
        </>
      ) : (
        <EmptyState title="No TrustChain certificate">
          <p>
            This node has its own keys and a self-signed certificate, but no certificate from a TrustChain certificate
            authority{trust.state === 'off' ? '.' : ' yet.'}
          </p>
        </EmptyState>
      )}
      {trust.federation && <FederationCard federation={trust.federation} />}
    </div>
  );
}
