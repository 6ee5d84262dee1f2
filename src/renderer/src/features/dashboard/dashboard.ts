import type { NodeStatus } from '../../../../shared/api/contract';
import type { EarningsPoint, LedgerStatusView } from '../../../../shared/ledger';
import type { MeshStatus } from '../../../../shared/mesh';
import type { NetworkStats } from '../../../../shared/network';
import { RESOURCE_KINDS, type Settings } from '../../../../shared/settings';
import { isPositiveAmount, ledgerSummary, totalEarnings } from '../wallet/wallet';

/* The Dashboard's sentences, each from live data: what is earned, why nothing is, who is connected. */

/** Days of earnings the Dashboard asks for: its longest sum (today and 7 days are taken from the same points). */
export const DASHBOARD_EARNINGS_DAYS = 30;

const DAY_MS = 86_400_000;

export interface EarningsSums {
  readonly today: string;
  readonly week: string;
  readonly month: string;
}

/** Earned since local midnight, over the last 7 days and over all the points (the last 30 days), exact. */
export function earningsSums(points: readonly EarningsPoint[], now: Date): EarningsSums {
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const since = (from: number) => totalEarnings(points.filter((p) => Date.parse(p.at) >= from));
  return { today: since(midnight), week: since(now.getTime() - 7 * DAY_MS), month: totalEarnings(points) };
}

/**
 * Why there are no earnings: no ledger to record them, nothing shared (Private, paused, or every share at 0), or
 * shared but no peer used it. Null when there are earnings.
 */
export type EarningsGap = 'no-ledger' | 'not-sharing' | 'paused' | 'unused';

export function earningsGap(input: {
  readonly month: string;
  /** The ledger as the wallet reports it; undefined when the node has no ledger (LEDGER_UNAVAILABLE). */
  readonly ledger: Pick<LedgerStatusView, 'state'> | undefined;
  readonly status: Pick<NodeStatus, 'sharing'>;
  readonly settings: Pick<Settings, 'allocation'>;
}): EarningsGap | null {
  if (isPositiveAmount(input.month)) return null;
  if (!input.ledger || input.ledger.state === 'off' || input.ledger.state === 'waiting-genesis') return 'no-ledger';
  if (input.status.sharing === 'off' || RESOURCE_KINDS.every((k) => input.settings.allocation[k] === 0)) {
    return 'not-sharing';
  }
  if (input.status.sharing === 'paused') return 'paused';
  return 'unused';
}

/** What the person can do about each gap, after the sentence that says why. */
export const EARNINGS_GAP_TEXT: Readonly<Record<EarningsGap, { readonly why: string; readonly whatToDo: string }>> = {
  'no-ledger': {
    why: 'No earnings: this node has no Caesar ledger yet, so there is nowhere to record them.',
    whatToDo:
      'The node joins the ledger once a CA certifies it and it reaches peers: check the CA address in Settings and the Network page.',
  },
  'not-sharing': {
    why: 'No earnings: you share nothing, so no peer can use this computer.',
    whatToDo: 'Choose a privacy level and what to share on the Sharing page.',
  },
  paused: {
    why: 'No earnings in the last 30 days, and sharing is paused now.',
    whatToDo: 'Resume sharing above to let peers use what you allow.',
  },
  unused: {
    why: 'No earnings in the last 30 days: you share, but no peer has used it yet.',
    whatToDo:
      'Earnings appear when a peer’s job or lease on this computer is paid. Peers find it through the mesh: see Peers and mesh.',
  },
};

/** The peers this node is connected to now: the mesh's connected peers and the STOQ connections, by NodeId. */
export function connectedPeers(mesh: MeshStatus | undefined, network: NetworkStats | undefined): readonly string[] {
  const ids = new Set<string>();
  for (const p of mesh?.peers ?? []) if (p.connected) ids.add(p.nodeId);
  for (const c of network?.connections ?? []) if (c.nodeId) ids.add(c.nodeId);
  return [...ids];
}

/** One sentence on peers, true of the node now; undefined until the node has answered. */
export function peersSentence(
  mesh: MeshStatus | undefined,
  network: NetworkStats | undefined,
  settings: Pick<Settings, 'mesh'>,
): string | undefined {
  if (!mesh && !network) return undefined;
  const count = connectedPeers(mesh, network).length;
  if (count > 0) return count === 1 ? '1 peer connected.' : `${count} peers connected.`;
  if (network && network.listening === null) {
    return 'No peer is connected: this node does not listen for peers (its transport is off). See the Logs page.';
  }
  if (!settings.mesh.enabled) {
    return 'No peer is connected, and the mesh is off in Settings: turn it on, or connect a peer on the Network page.';
  }
  if (mesh?.state === 'off') {
    const why = mesh.problem ? ` (${mesh.problem.replace(/\.$/, '')})` : '';
    return `No peer is connected: the mesh is not running${why}.`;
  }
  return 'No peer is connected yet. The mesh looks for peers through bootstrap peers, LAN discovery and the DHT; add a bootstrap peer in Settings or connect one on the Network page.';
}

/** The ledger's sync state in one sentence, with its problem when it has one. */
export function ledgerSentence(ledger: LedgerStatusView | undefined, failed: boolean): string | undefined {
  if (!ledger) return failed ? 'No ledger: this node has not joined the Caesar ledger.' : undefined;
  return ledger.problem ? `${ledgerSummary(ledger)}: ${ledger.problem}` : ledgerSummary(ledger);
}
