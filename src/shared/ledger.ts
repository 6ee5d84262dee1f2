/**
 * The Caesar ledger and wallet as the UI sees them. Amounts are decimal strings of Caesar (up to 8 decimals, see
 * amount.ts); the node keeps them as bigint base units and never uses floating point for money.
 */

/** What a ledger transaction does (docs/ledger.md). */
export const LEDGER_TX_KINDS = [
  'transfer',
  'reward',
  'stake_lock',
  'stake_unlock',
  'registration',
  'allocation',
] as const;
export type LedgerTxKind = (typeof LEDGER_TX_KINDS)[number];

export type LedgerSyncState = 'off' | 'waiting-genesis' | 'syncing' | 'synced';

export interface LedgerStatusView {
  readonly state: LedgerSyncState;
  /** Why the ledger is not in sync, for people; null when it is. */
  readonly problem: string | null;
  /** Hex SHA-256 of the genesis block, or null before this node has one. */
  readonly genesisHash: string | null;
  readonly height: number;
  readonly headHash: string | null;
  readonly headAt: string | null;
  /** Nodes allowed to produce blocks (the genesis authorities and every node with stake locked). */
  readonly producers: number;
  /** Whether this node is one of them. */
  readonly producing: boolean;
  /** Transactions waiting for a block, from everyone. */
  readonly mempool: number;
  /** Hex SHA-256 over every balance, stake and record: two nodes agree on all balances exactly when these agree. */
  readonly stateDigest: string | null;
}

export interface WalletView {
  /** The wallet's address: this node's NodeId (the wallet key is the node identity's ML-DSA key). */
  readonly address: string;
  readonly addressShort: string;
  /** Spendable: confirmed balance minus what pending sends will take. */
  readonly available: string;
  /** Confirmed balance (not counting stake). */
  readonly balance: string;
  readonly pendingIn: string;
  readonly pendingOut: string;
  readonly staked: string;
  /** When the stake may be unlocked; null without stake. */
  readonly stakeLockedUntil: string | null;
  /** All rewards confirmed so far. */
  readonly earnedTotal: string;
  readonly ledger: LedgerStatusView;
}

export type TxStatus = 'pending' | 'confirmed' | 'rejected';

export interface WalletTxView {
  readonly txId: string;
  readonly kind: LedgerTxKind;
  /** Seen from this wallet: money in, money out, or neither (stake, records). */
  readonly direction: 'in' | 'out' | 'none';
  /** The other account (recipient, sender, consumer paying a receipt), when there is one. */
  readonly counterparty: string | null;
  readonly amount: string;
  readonly status: TxStatus;
  /** Block height once confirmed. */
  readonly height: number | null;
  readonly time: string;
  readonly memo: string | null;
  /** Why a rejected transaction was refused. */
  readonly reason: string | null;
}

export interface WalletHistoryQuery {
  readonly kind?: LedgerTxKind;
  readonly direction?: 'in' | 'out' | 'none';
  readonly status?: TxStatus;
  /** 1–1000, default 200; newest first. */
  readonly limit?: number;
}

/** Earnings per hour, for the chart: confirmed rewards whose block falls in [at, at + 1 h). */
export interface EarningsPoint {
  readonly at: string;
  readonly amount: string;
}

export interface SendRequest {
  /** A NodeId (52 base32 characters) or a registered HyperMesh name. */
  readonly to: string;
  /** Caesar, decimal string, > 0. */
  readonly amount: string;
  readonly memo?: string;
  /** Chosen by the UI per dialog: the same id sent twice makes one transfer (no double submission). */
  readonly requestId: string;
}

export interface StakeRequest {
  readonly amount: string;
  /** How long the stake stays locked, 2–365 days (PoStake and block production need a day left on the lock). */
  readonly lockDays: number;
  readonly requestId: string;
}

export const MEMO_MAX_LENGTH = 140;
export const NODE_ID_PATTERN = /^[a-z2-7]{52}$/;
