import { DataTable } from '../../components/DataTable';
import { useId, useState } from 'react';
import { useSubmit } from '../../hooks';
import type { UsedPoolView } from '../../../../shared/proxy';
import { formatCache, formatPoolTraffic, formatReplicas, formatScore, formatSize, formatStake } from './memory';
import { formatRtt, formatTrustScore } from '../network/mesh';
import { useApp } from '../../store';
import { Peer, RelativeTime, Verdict } from '../../components/Display';
import { ProxyError } from './ProxyError';
import { SubmitButton } from '../../components/SubmitButton';

type PoolAction = 'flush' | 'free';

/** The buttons that run an action on a pool (Free is behind a question, asked first). */
const ACTION_BUTTONS: Readonly<Record<PoolAction, { label: string; busy: string; testId: string; className: string }>> =
  {
    flush: { label: 'Flush', busy: 'Flushing…', testId: 'pool-flush', className: '' },
    free: { label: 'Free now', busy: 'Freeing…', testId: 'pool-free-submit', className: 'danger' },
  };

/** One remote memory pool: where it lives, what went through it, why these providers, and Flush / Free. */
function PoolCard(props: { pool: UsedPoolView; now: number }) {
  const { pool, now } = props;
  const flushRemoteMemory = useApp((s) => s.flushRemoteMemory);
  const freeRemoteMemory = useApp((s) => s.freeRemoteMemory);
  const ids = useId();
  const submit = useSubmit<PoolAction>();
  const { pending, failure } = submit;
  const [confirmFree, setConfirmFree] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  const run = async (action: PoolAction) => {
    if (submit.isRunning()) return;
    setDone(null);
    if (action === 'flush') {
      const result = await submit.run(action, () => flushRemoteMemory(pool.address));
      if (result?.ok) {
        setDone(
          `✓ ${result.value.pages} ${result.value.pages === 1 ? 'page' : 'pages'} written back to the providers.`,
        );
      }
    } else {
      // Once freed, the pool leaves the list (and this card with it); only a failure stays to be shown.
      await submit.run(action, () => freeRemoteMemory(pool.address));
    }
    setConfirmFree(false);
  };

  const actionButton = (action: PoolAction, describedBy: string) => {
    const b = ACTION_BUTTONS[action];
    return (
      <SubmitButton
        type="button"
        className={b.className}
        testId={b.testId}
        pending={pending === action}
        disabled={pending !== null}
        busyLabel={b.busy}
        describedBy={describedBy}
        onClick={() => void run(action)}
      >
        {b.label}
      </SubmitButton>
    );
  };

  const title = `${ids}-title`;
  return (
    <article className="card pool" aria-labelledby={title} data-testid="pool" data-address={pool.address}>
      <h3 id={title}>
        {formatSize(pool.length)} pool at <span className="mono">{pool.address}</span>
      </h3>
      <dl>
        <dt>Address</dt>
        <dd className="mono" data-testid="pool-address">
          {pool.address}
        </dd>
        <dt>Size</dt>
        <dd data-testid="pool-size">{formatSize(pool.length)}</dd>
        <dt>Replicas</dt>
        <dd data-testid="pool-replicas">{formatReplicas(pool.replicas)}</dd>
        <dt>Expires</dt>
        <dd data-testid="pool-expires">
          <RelativeTime iso={pool.expiresAt} now={now} />
        </dd>
        <dt>Traffic</dt>
        <dd data-testid="pool-traffic">{formatPoolTraffic(pool)}</dd>
        <dt>Cache</dt>
        <dd data-testid="pool-cache">{formatCache(pool)}</dd>
      </dl>

      <h4 id={`${ids}-shards`}>Shards</h4>
      <DataTable
        columns={['Shard', 'Address', 'Provider', 'Reachable']}
        labelledBy={`${ids}-shards`}
        testId="pool-shards"
      >
        {pool.shards.map((s, i) => (
          <tr key={s.address} data-testid="shard-row">
            <th scope="row">{i}</th>
            <td className="mono">{s.address}</td>
            <td data-testid="shard-provider">
              <Peer nodeId={s.provider} />
            </td>
            <td data-testid="shard-reachable">
              <Verdict ok={s.reachable} yes="reachable" no="unreachable" />
            </td>
          </tr>
        ))}
      </DataTable>

      <h4 id={`${ids}-why`}>Why these providers</h4>
      {pool.providers.length === 0 ? (
        <p className="note">The node kept no record of how these providers were chosen.</p>
      ) : (
        <DataTable
          columns={['Provider', 'Stake', 'Certified', 'RTT', 'Trust score', 'Score', 'Reason']}
          labelledBy={`${ids}-why`}
          testId="pool-providers"
        >
          {pool.providers.map((p) => (
            <tr key={p.nodeId} data-testid="provider-row">
              <th scope="row">
                <Peer nodeId={p.nodeId} />
              </th>
              <td data-testid="provider-stake">{formatStake(p.stake)}</td>
              <td data-testid="provider-certified">
                <Verdict ok={p.certified} />
              </td>
              <td data-testid="provider-rtt">{formatRtt(p.rttMs)}</td>
              <td data-testid="provider-trust">{formatTrustScore(p.trustScore)}</td>
              <td data-testid="provider-score">{formatScore(p.score)}</td>
              <td data-testid="provider-reason">{p.reason}</td>
            </tr>
          ))}
        </DataTable>
      )}

      <div className="form-actions">
        {actionButton('flush', `${ids}-flush-hint`)}
        {!confirmFree ? (
          <button
            type="button"
            className="danger"
            data-testid="pool-free"
            disabled={pending !== null}
            onClick={() => {
              submit.clearFailure();
              setDone(null);
              setConfirmFree(true);
            }}
          >
            Free…
          </button>
        ) : (
          <>
            <span id={`${ids}-free-ask`}>Free this pool? Its data is gone for good.</span>
            {actionButton('free', `${ids}-free-ask`)}
            <button type="button" disabled={pending !== null} onClick={() => setConfirmFree(false)}>
              Keep it
            </button>
          </>
        )}
      </div>
      <p id={`${ids}-flush-hint`} className="note">
        Flush writes the pages changed here back to every provider that holds them.
      </p>
      <p role="status" data-testid="pool-result">
        {done}
      </p>
      {failure && (
        <ProxyError
          failure={failure.error}
          testId="pool-error"
          prefix={failure.kind === 'free' ? 'Not freed. ' : 'Not flushed. '}
        />
      )}
    </article>
  );
}

export function UsedSection(props: { pools: readonly UsedPoolView[] | undefined; now: number }) {
  const { pools, now } = props;
  return (
    <section className="card" aria-labelledby="memory-used-title" data-testid="memory-used">
      <h2 id="memory-used-title">Memory this node uses</h2>
      <p>
        Remote memory pools this node holds at peers. Pages are encrypted here before they leave, and cached here;
        providers are chosen by stake, certificate, latency and trust, as your proxy preferences say.
      </p>
      {!pools ? (
        <p>Loading…</p>
      ) : pools.length === 0 ? (
        <p data-testid="memory-used-empty">
          <strong>No remote memory is mapped.</strong> Allocate some below: it stays empty until you do.
        </p>
      ) : (
        pools.map((pool) => <PoolCard key={pool.address} pool={pool} now={now} />)
      )}
    </section>
  );
}
