import { parseAmount } from '../shared/amount';
import type { HealthIssue, NodeEvents } from '../shared/api/contract';
import type { WalletView } from '../shared/ledger';
import { makeNotice, type Notice, type NoticeKind } from '../shared/notifications';
import type { Settings } from '../shared/settings';
import { REASON_LABELS, type SharingView } from '../shared/sharing-view';
import type { TrustStatus } from '../shared/trust';
import type { JobView } from '../shared/vm';
import type { TypedEvents } from './events';

/** The meta key that remembers the first reward was announced, so it is announced once per data folder. */
export const FIRST_EARNINGS_KEY = 'first_earnings_noticed_at';

/** How often the certificate's state is looked at (TrustClient has no change callback; its refresh is slower). */
const TRUST_CHECK_MS = 15_000;

type TrustState = TrustStatus['state'];

export interface NoticeWatcherOptions {
  readonly events: TypedEvents<NodeEvents>;
  readonly settings: () => Settings;
  /** Where the first-earnings mark is kept (the node's meta table). */
  readonly meta: { get(key: string): string | undefined; set(key: string, value: string): void };
  /** This node's certificate state now; undefined while the node has no TrustChain client. */
  readonly trustState: () => TrustState | undefined;
  readonly now?: () => Date;
}

/** True when nothing may be shared now: paused or snoozed, or the rules hold every resource the user shares at 0. */
function sharingStopped(view: SharingView): boolean {
  if (view.state === 'paused') return true;
  const shared = view.resources.filter((r) => r.present && r.configuredPercent > 0);
  return view.state === 'limited' && shared.length > 0 && shared.every((r) => r.allowedPercent === 0);
}

function isTrustIssue(issue: HealthIssue): boolean {
  return issue.code.startsWith('TRUST');
}

const TRUST_PROBLEMS: Readonly<Partial<Record<TrustState, string>>> = {
  revoked: 'The certificate authority revoked this node’s certificate. Peers that check certificates refuse it.',
  distrusted: 'The certificate authority showed inconsistent logs and is no longer trusted.',
};

/**
 * Decides when the node tells the person something (docs/notifications.md): it watches the node's own events (wallet,
 * sharing, status), the certificate's state and the jobs run here for peers, and emits `notice` for each kind the
 * settings leave on.
 */
export class NoticeWatcher {
  private readonly offs: (() => void)[];
  private readonly timer: NodeJS.Timeout;
  private wasRunning: boolean | undefined;
  private lastTrust: TrustState | undefined;
  private readonly seenIssues = new Set<string>();
  private readonly now: () => Date;

  constructor(private readonly options: NoticeWatcherOptions) {
    this.now = options.now ?? (() => new Date());
    const { events } = options;
    this.lastTrust = options.trustState();
    this.offs = [
      events.on('wallet', (wallet) => this.wallet(wallet)),
      events.on('sharing', (view) => this.sharing(view)),
      events.on('status', (status) => this.health(status.health)),
    ];
    this.timer = setInterval(() => this.checkTrust(), TRUST_CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const off of this.offs.splice(0)) off();
  }

  /** The first reward this node ever had confirmed. */
  wallet(wallet: WalletView): void {
    if (parseAmount(wallet.earnedTotal) <= 0n || this.options.meta.get(FIRST_EARNINGS_KEY) !== undefined) return;
    const at = this.now();
    this.options.meta.set(FIRST_EARNINGS_KEY, at.toISOString());
    this.notify(
      'first-earnings',
      'Your first earnings',
      `Peers used what you share: ${wallet.earnedTotal} Caesar confirmed so far.`,
      at,
    );
  }

  /** Sharing went from running to stopped; the first view only sets the baseline (the person knows how it started). */
  sharing(view: SharingView): void {
    const stopped = sharingStopped(view);
    const wasRunning = this.wasRunning;
    // Off (privacy level Private) is neither: going from off to paused stops nothing.
    this.wasRunning = view.state !== 'off' && !stopped;
    if (wasRunning !== true || !stopped) return;
    const why = view.reasons.map((r) => REASON_LABELS[r]).join(', ') || 'paused';
    const until = view.pausedUntil ? ` until ${view.pausedUntil}` : '';
    this.notify('sharing-paused', 'Sharing paused', `Nothing is shared now${until}: ${why}.`, this.now());
  }

  /** New error-level health issues: TrustChain's are certificate problems, the others failures of the node. */
  health(issues: readonly HealthIssue[]): void {
    for (const issue of issues) {
      if (issue.severity !== 'error' || this.seenIssues.has(issue.code)) continue;
      this.seenIssues.add(issue.code);
      if (isTrustIssue(issue)) this.notify('certificate-problem', 'Certificate problem', issue.message, this.now());
      else this.notify('node-failure', 'HyperMesh node problem', issue.message, this.now());
    }
    this.checkTrust();
  }

  /** The certificate went bad: revoked, its CA distrusted, or a certified node back to self-signed. */
  checkTrust(): void {
    const state = this.options.trustState();
    const previous = this.lastTrust;
    this.lastTrust = state;
    if (state === undefined || state === previous) return;
    const problem =
      TRUST_PROBLEMS[state] ??
      (state === 'self-signed' && previous === 'certified'
        ? 'This node’s TrustChain certificate is no longer valid; it uses a self-signed one until the CA renews it.'
        : undefined);
    if (problem) this.notify('certificate-problem', 'Certificate problem', problem, this.now());
  }

  /** A job this machine ran for a peer finished; a failed one is news. */
  jobFinished(job: JobView): void {
    if (job.role !== 'provider' || job.status !== 'failed') return;
    const reason = job.failure ? `${job.failure.reason}: ${job.failure.message}` : 'failed';
    const from = job.consumer ? ` for ${job.consumer.slice(0, 8)}` : '';
    this.notify(
      'job-failed',
      'A job failed on this computer',
      `Job ${job.jobId.slice(0, 8)}${from}: ${reason}`,
      this.now(),
    );
  }

  private notify(kind: NoticeKind, title: string, body: string, at: Date): void {
    if (!this.options.settings().notifications[kind]) return;
    const notice: Notice = makeNotice(kind, title, body, at);
    this.options.events.emit('notice', notice);
  }
}
