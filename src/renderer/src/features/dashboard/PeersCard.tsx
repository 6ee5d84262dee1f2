import type { LedgerStatusView } from '../../../../shared/ledger';
import type { MeshStatus } from '../../../../shared/mesh';
import type { NetworkStats } from '../../../../shared/network';
import type { Settings } from '../../../../shared/settings';
import { REACHABILITY_TEXT } from '../network/mesh';
import { ledgerSentence, peersSentence } from './dashboard';

/** Peers and mesh health: who is connected, how peers reach this node, and the ledger's sync, all as the node says. */
export function PeersCard(props: {
  readonly mesh: MeshStatus | undefined;
  readonly network: NetworkStats | undefined;
  readonly ledger: LedgerStatusView | undefined;
  /** The wallet call failed (no ledger on this node). */
  readonly ledgerFailed: boolean;
  readonly settings: Pick<Settings, 'mesh'>;
}) {
  const { mesh } = props;
  const peers = peersSentence(mesh, props.network, props.settings);
  const ledger = ledgerSentence(props.ledger, props.ledgerFailed);
  return (
    <section className="card" aria-labelledby="dash-peers">
      <h2 id="dash-peers">Peers and mesh</h2>
      <p data-testid="dashboard-peers">{peers ?? 'Asking the node…'}</p>
      <dl>
        {mesh?.state === 'running' && (
          <>
            <dt>Reachability</dt>
            <dd data-testid="dashboard-reachability">{REACHABILITY_TEXT[mesh.reachability]}</dd>
            <dt>Known assets</dt>
            <dd>{mesh.remoteAssets} offered by peers</dd>
          </>
        )}
        {ledger && (
          <>
            <dt>Ledger</dt>
            <dd data-testid="dashboard-ledger">{ledger}</dd>
          </>
        )}
      </dl>
      <p className="note">
        Every connection: the <a href="#/network">Network</a> page.
      </p>
    </section>
  );
}
