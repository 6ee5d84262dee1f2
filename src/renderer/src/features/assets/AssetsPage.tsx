import type { AssetView } from '../../../../shared/assets';
import { PROOF_KINDS, type ProofKind } from '../../../../shared/settings';
import { EmptyState } from '../../components/Banner';
import { KIND_TITLE, formatAmount as amount } from '../../format';
import { usePolling } from '../../hooks';
import { useApp } from '../../store';

const PROOF_TITLE: Record<ProofKind, string> = {
  space: 'PoSpace (where)',
  stake: 'PoStake (who)',
  work: 'PoWork (what)',
  time: 'PoTime (when)',
};

const STATE_TEXT: Record<AssetView['registration']['state'], string> = {
  'not-shared': 'Not shared',
  pending: 'Registering…',
  registered: '✓ Registered',
  failed: '! Not registered',
};

/** CPU is shared as CPU time (share × cores, fractional); whole job slots only bound how many jobs run at once. */
function cpuShareText(a: AssetView, allowedCores: number | null | undefined): string {
  if (allowedCores === null || allowedCores === undefined) return `${a.allowed} jobs at a time`;
  const cores = allowedCores;
  const slots = a.allowed === 1 ? '1 job' : `${a.allowed} jobs`;
  return `${Number(cores.toFixed(2))} ${cores === 1 ? 'core' : 'cores'} of CPU time (${slots} at a time)`;
}

function AssetCard(props: { asset: AssetView; allowedCores?: number | null | undefined }) {
  const a = props.asset;
  const id = `asset-${a.kind}`;
  return (
    <section className="card" aria-labelledby={id} data-testid={id}>
      <h2 id={id}>{KIND_TITLE[a.kind]}</h2>
      <p data-testid="asset-summary">{a.summary}</p>
      {a.present && (
        <dl>
          <dt>On this machine</dt>
          <dd>{amount(a.total, a.unit)}</dd>
          <dt>You share</dt>
          <dd data-testid="asset-allowed">
            {a.kind === 'cpu' ? cpuShareText(a, props.allowedCores) : amount(a.allowed, a.unit)}
          </dd>
          <dt>In use by peers</dt>
          <dd data-testid="asset-in-use">
            {amount(a.inUse, a.unit)} ({a.leases} lease{a.leases === 1 ? '' : 's'})
            {a.overCommitted > 0 && ` — ${amount(a.overCommitted, a.unit)} above your new cap until those leases end`}
          </dd>
          <dt>Visible to</dt>
          <dd data-testid="asset-visibility">{a.visibility}</dd>
          <dt>Registration</dt>
          <dd data-testid="asset-state">{STATE_TEXT[a.registration.state]}</dd>
          {a.assetId && (
            <>
              <dt>AssetId</dt>
              <dd className="mono" data-testid="asset-id">
                {a.assetId}
              </dd>
            </>
          )}
        </dl>
      )}
      {a.registration.problem && (
        <p className="problem" data-testid="asset-problem">
          {a.registration.problem}
        </p>
      )}
      {a.registration.proofs && (
        <ul className="proofs" aria-label="Consensus proofs" data-testid="asset-proofs">
          {PROOF_KINDS.map((k) => (
            <li key={k}>
              {a.registration.proofs?.[k] ? '✓' : '✗'} {PROOF_TITLE[k]}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function AssetsPage() {
  const assets = useApp((s) => s.assets);
  const refreshAssets = useApp((s) => s.refreshAssets);
  const allowedCores = useApp((s) => s.status?.allowance.allowedCores);
  const hardwareError = useApp((s) => s.hardwareError);
  usePolling(refreshAssets, 3000);
  if (!assets) return <p>Loading…</p>;
  const registered = assets.filter((a) => a.registration.state === 'registered').length;
  return (
    <div className="page assets">
      <h1>Assets</h1>
      <p>
        Everything this node shares is an asset: its real hardware, capped by your <a href="#/sharing">Sharing</a>{' '}
        settings, registered with a universal AssetId and proven by all four consensus proofs.{' '}
        {registered === 0 ? 'Nothing is registered now.' : `${registered} registered.`}
      </p>
      {assets.length === 0 ? (
        <EmptyState title="No assets">
          <p>
            {hardwareError
              ? `The node could not read this machine: ${hardwareError}`
              : 'The node has not read this machine yet.'}
          </p>
        </EmptyState>
      ) : (
        assets.map((a) => <AssetCard key={a.kind} asset={a} allowedCores={allowedCores} />)
      )}
    </div>
  );
}
