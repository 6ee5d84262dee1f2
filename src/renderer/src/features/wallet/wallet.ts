import {
  CAESAR_DECIMALS,
  MAX_AMOUNT_UNITS,
  UNITS_PER_CAESAR,
  formatAmount,
  parseAmount,
} from '../../../../shared/amount';
import { ErrorCode } from '../../../../shared/errors';
import { shortNodeId } from '../../format';
import {
  MEMO_MAX_LENGTH,
  NODE_ID_PATTERN,
  type EarningsPoint,
  type LedgerStatusView,
  type LedgerSyncState,
  type LedgerTxKind,
  type TxStatus,
  type WalletHistoryQuery,
  type WalletTxView,
  type WalletView,
} from '../../../../shared/ledger';

/*
 * Renderer helpers for the Wallet page. Amounts stay decimal strings or bigint base units: they become numbers only
 * to be drawn (the earnings chart), never to be added, compared or shown.
 */

/** A HyperMesh name, as src/shared/api/validators.ts accepts it for `sendTokens`. */
export const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** What the node accepts as a requestId (validators.ts). */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
/** How long stake may be locked, in days (StakeRequest.lockDays). */
export const LOCK_DAYS = { min: 2, max: 365 } as const;
/** The periods the earnings chart offers, in days. */
export const EARNINGS_PERIODS = [1, 7, 30] as const;
export type EarningsPeriod = (typeof EARNINGS_PERIODS)[number];

const SHORT_NODE_ID = /^hm-[a-z2-7]{4}-[a-z2-7]{4}$/;

/** A user's input checked: the value to send, or why it cannot be sent. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(error: string): Checked<T> => ({ ok: false, error });

/** "1234567.5" → "1,234,567.5": groups the whole part only, on the string (no rounding, no float). */
export function groupDigits(amount: string): string {
  const negative = amount.startsWith('-');
  const [whole = '', fraction] = (negative ? amount.slice(1) : amount).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** An amount as the page shows it: "1,234.5 Caesar". */
export function formatCaesar(amount: string): string {
  return `${groupDigits(amount)} Caesar`;
}

/** An amount signed by which way it went for this wallet: "+12.5", "−12.5", or "12.5" for stake and records. */
export function signedAmount(amount: string, direction: WalletTxView['direction']): string {
  if (direction === 'in') return `+${groupDigits(amount)}`;
  if (direction === 'out') return `−${groupDigits(amount)}`;
  return groupDigits(amount);
}

/** Whether an amount is more than nothing; false for anything that is not an amount. */
export function isPositiveAmount(amount: string): boolean {
  try {
    return parseAmount(amount) > 0n;
  } catch {
    return false;
  }
}

/**
 * The recipient field: a NodeId (52 characters a–z, 2–7) or a HyperMesh name. Returns the text to send, trimmed and
 * lower-cased (NodeIds and names are lower case), or why it is not an address.
 */
export function checkRecipient(text: string, ownAddress?: string): Checked<string> {
  const to = text.trim().toLowerCase();
  if (to === '') return bad('Enter the NodeId or the name of the recipient.');
  if (SHORT_NODE_ID.test(to)) {
    return bad(`${to} is a short NodeId, which many nodes may share: enter the full NodeId (52 characters).`);
  }
  if (NODE_ID_PATTERN.test(to)) {
    return ownAddress !== undefined && to === ownAddress ? bad('That is this wallet’s own address.') : ok(to);
  }
  if (to.length === 52 && /^[a-z0-9]+$/.test(to)) {
    return bad('That is not a valid NodeId: a NodeId has only the letters a–z and the digits 2–7.');
  }
  if (NAME_PATTERN.test(to)) return ok(to);
  return bad(
    'Not a NodeId or a name: a NodeId is 52 characters a–z and 2–7; a name is up to 63 letters, digits and inner hyphens.',
  );
}

/**
 * An amount field: more than 0, at most 8 decimals, and at most `available` when that is known. Returns the amount in
 * its shortest form ("007.50" → "7.5").
 */
export function checkAmount(text: string, available?: string): Checked<string> {
  let t = text.trim();
  if (t === '') return bad('Enter an amount.');
  if (t.startsWith('-')) return bad('An amount cannot be negative.');
  if (t.startsWith('+')) t = t.slice(1);
  if (t.includes(',')) return bad('Use a dot for decimals, without thousands separators, e.g. 1234.5.');
  if (!/^\d*\.?\d*$/.test(t) || t === '.') return bad('Enter a number of Caesar, such as 12.5.');
  const [whole = '', fraction = ''] = t.split('.');
  if (fraction.length > CAESAR_DECIMALS) return bad(`An amount has at most ${CAESAR_DECIMALS} decimals.`);
  const units = BigInt(whole === '' ? '0' : whole) * UNITS_PER_CAESAR + BigInt(fraction.padEnd(CAESAR_DECIMALS, '0'));
  if (units > MAX_AMOUNT_UNITS) return bad(`An amount is at most ${formatCaesar(formatAmount(MAX_AMOUNT_UNITS))}.`);
  if (units <= 0n) return bad('The amount must be more than 0.');
  if (available !== undefined) {
    let limit: bigint | undefined;
    try {
      limit = parseAmount(available);
    } catch {
      limit = undefined;
    }
    if (limit !== undefined && units > limit) {
      return bad(`That is more than you have available (${formatCaesar(available)}).`);
    }
  }
  return ok(formatAmount(units));
}

/** An optional memo: empty means none; longer than MEMO_MAX_LENGTH (UTF-16 code units, as the node counts) is refused. */
export function checkMemo(text: string): Checked<string | undefined> {
  if (text.length > MEMO_MAX_LENGTH) {
    return bad(`A memo has at most ${MEMO_MAX_LENGTH} characters; this one has ${text.length}.`);
  }
  return ok(text.trim() === '' ? undefined : text);
}

/** How many days stake stays locked: a whole number from 2 to 365. */
export function checkLockDays(text: string): Checked<number> {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return bad(`Enter a whole number of days from ${LOCK_DAYS.min} to ${LOCK_DAYS.max}.`);
  const days = Number(t);
  if (days < LOCK_DAYS.min || days > LOCK_DAYS.max) {
    return bad(`Stake is locked for ${LOCK_DAYS.min} to ${LOCK_DAYS.max} days.`);
  }
  return ok(days);
}

/**
 * A fresh id for one send, stake or unlock: the node makes one transaction of all the calls that carry it, so a
 * double click or a retry after a lost reply does not pay twice. 32 hex characters from the platform's CSPRNG.
 */
export function newRequestId(
  fill: (bytes: Uint8Array) => Uint8Array = (bytes) => globalThis.crypto.getRandomValues(bytes),
): string {
  const bytes = fill(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Whether the node's answer means it made no transaction for a request, so that the next attempt may carry a new
 * requestId (the user may have changed the amount). Any other failure — no answer at all, a peer offline, an
 * internal error — may have left a transaction behind: a retry must carry the same id so that it is not made twice.
 */
export function refusedOutright(code: string | null): boolean {
  return (
    code === ErrorCode.InvalidArgument ||
    code === ErrorCode.InsufficientBalance ||
    code === ErrorCode.UnknownRecipient ||
    code === ErrorCode.LedgerUnavailable ||
    code === ErrorCode.StakeLocked ||
    code === ErrorCode.LedgerRejected ||
    code === ErrorCode.IdempotencyConflict
  );
}

/** What an error from the node means for the person sending or staking, by its code. */
const WALLET_ERROR_TITLES = new Map<string, string>([
  [ErrorCode.LedgerUnavailable, 'The Caesar ledger is unavailable.'],
  [ErrorCode.InsufficientBalance, 'Not enough Caesar available.'],
  [ErrorCode.UnknownRecipient, 'Unknown recipient.'],
  [ErrorCode.PeerOffline, 'No peer is reachable to carry the transaction.'],
  [ErrorCode.LedgerRejected, 'The ledger refused the transaction.'],
  [ErrorCode.StakeLocked, 'The stake is still locked.'],
  [ErrorCode.InvalidArgument, 'The node refused the request as invalid.'],
  [ErrorCode.IdempotencyConflict, 'This request was already sent with other details; nothing new was sent. Try again.'],
]);

/** The title of an error from the node (null: no answer came) for the person sending or staking. */
export function walletErrorTitle(code: string | null): string {
  if (code === null) {
    return 'No answer from the node; nothing is known to be sent. Trying again is safe: it is sent at most once.';
  }
  return WALLET_ERROR_TITLES.get(code) ?? 'The node could not do it.';
}

/** Stake may be unlocked once its lock has passed. */
export function canUnlockStake(wallet: Pick<WalletView, 'staked' | 'stakeLockedUntil'>, now: number): boolean {
  if (!isPositiveAmount(wallet.staked) || wallet.stakeLockedUntil === null) return false;
  const until = Date.parse(wallet.stakeLockedUntil);
  return !Number.isNaN(until) && until <= now;
}

export const SYNC_STATE_TEXT: Readonly<Record<LedgerSyncState, string>> = {
  off: 'Off',
  'waiting-genesis': 'Waiting for the genesis block',
  syncing: 'Catching up',
  synced: '✓ In sync',
};

/** The ledger's state in one sentence, e.g. "✓ In sync at block 1,204". */
export function ledgerSummary(ledger: Pick<LedgerStatusView, 'state' | 'height'>): string {
  const state = SYNC_STATE_TEXT[ledger.state];
  if (ledger.state === 'off' || ledger.state === 'waiting-genesis') return state;
  return `${state} at block ${groupDigits(String(ledger.height))}`;
}

export const TX_KIND_TEXT: Readonly<Record<LedgerTxKind, string>> = {
  transfer: 'Transfer',
  reward: 'Reward',
  stake_lock: 'Stake locked',
  stake_unlock: 'Stake unlocked',
  registration: 'Registration',
  allocation: 'Allocation',
};

export const DIRECTION_TEXT: Readonly<Record<WalletTxView['direction'], string>> = {
  in: 'In',
  out: 'Out',
  none: '—',
};

export const TX_STATUS_TEXT: Readonly<Record<TxStatus, string>> = {
  pending: '… Pending',
  confirmed: '✓ Confirmed',
  rejected: '✗ Rejected',
};

/** The history filters as the page holds them ('' for any). */
export interface HistoryFilters {
  readonly kind: LedgerTxKind | '';
  readonly direction: WalletTxView['direction'] | '';
  readonly status: TxStatus | '';
}

export const ANY_HISTORY: HistoryFilters = { kind: '', direction: '', status: '' };

/** The filters as the node's query: only the ones that are set. */
export function historyQuery(filters: HistoryFilters): WalletHistoryQuery {
  return {
    ...(filters.kind === '' ? {} : { kind: filters.kind }),
    ...(filters.direction === '' ? {} : { direction: filters.direction }),
    ...(filters.status === '' ? {} : { status: filters.status }),
  };
}

/** Hours of earnings per bar, so that each period draws 24–30 bars. */
export function hoursPerBar(days: number): number {
  if (days <= 1) return 1;
  if (days <= 7) return 6;
  return 24;
}

export interface EarningsBar {
  /** Start and end of the bar's period (ms since the epoch). */
  readonly start: number;
  readonly end: number;
  /** The sum, as the node would write it. */
  readonly amount: string;
  /** For drawing only. */
  readonly value: number;
}

const HOUR_MS = 3_600_000;

/**
 * Hourly earnings summed into bars of `hours` hours, newest bar ending with the newest hour (the oldest bar may be
 * shorter). Sums are bigint; a point that is not an amount counts as nothing.
 */
export function earningsBars(points: readonly EarningsPoint[], hours: number): EarningsBar[] {
  const bars: EarningsBar[] = [];
  for (let end = points.length; end > 0; end -= hours) {
    const group = points.slice(Math.max(0, end - hours), end);
    const first = group[0];
    const last = group[group.length - 1];
    if (!first || !last) continue;
    let units = 0n;
    for (const p of group) {
      try {
        units += parseAmount(p.amount);
      } catch {
        // not an amount: nothing to add
      }
    }
    const amount = formatAmount(units);
    bars.unshift({ start: Date.parse(first.at), end: Date.parse(last.at) + HOUR_MS, amount, value: Number(amount) });
  }
  return bars;
}

/** The sum of all earnings points, exact. */
export function totalEarnings(points: readonly EarningsPoint[]): string {
  let units = 0n;
  for (const p of points) {
    try {
      units += parseAmount(p.amount);
    } catch {
      // not an amount: nothing to add
    }
  }
  return formatAmount(units);
}

/** The top of the chart's scale: the smallest 1, 2 or 5 × 10^n at or above `max` (1 when there is nothing). */
export function niceCeiling(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const f = max / magnitude;
  // A little slack for the float error of max / magnitude (e.g. 3 / 1e-8).
  const nice = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
  return nice * magnitude;
}

/** An axis label for a scale top: "5", "0.02", "0.00000005", "2,000" — never exponent notation. */
export function axisLabel(value: number): string {
  if (value >= 1) return groupDigits(String(Math.round(value)));
  return value.toFixed(CAESAR_DECIMALS).replace(/0+$/, '').replace(/\.$/, '');
}

export interface BarGeometry {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Where each bar goes in a plot area, scaled so that `top` is the full height; bars never go below 0. */
export function layoutBars(
  bars: readonly Pick<EarningsBar, 'value'>[],
  area: { readonly x: number; readonly y: number; readonly width: number; readonly height: number },
  top: number,
): BarGeometry[] {
  const n = bars.length;
  if (n === 0) return [];
  const slot = area.width / n;
  const gap = Math.min(2, slot * 0.2);
  return bars.map((bar, i) => {
    const fraction = top > 0 ? Math.min(1, Math.max(0, bar.value / top)) : 0;
    const height = fraction * area.height;
    return { x: area.x + i * slot + gap / 2, y: area.y + area.height - height, width: slot - gap, height };
  });
}

/** An account in its short form: `hm-xxxx-yyyy` for a NodeId, a name as it is. */
export function shortAccount(account: string): string {
  return NODE_ID_PATTERN.test(account) ? shortNodeId(account) : account;
}
