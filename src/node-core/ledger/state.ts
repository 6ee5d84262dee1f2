import { createHash } from 'node:crypto';
import { formatAmount, UNITS_PER_CAESAR } from '../../shared/amount';
import type { LedgerTxKind } from '../../shared/ledger';
import type { PrivacyLevel, ResourceKind } from '../../shared/settings';
import { parseAssetId } from '../assets/index';
import type { StakeRecord } from '../consensus';
import { LedgerRuleError } from './errors';
import { rewardUnits } from './rewards';
import type { GenesisAuthority } from './block';
import type { Transaction } from './tx';

/**
 * The ledger's state and its rules, applied one transaction at a time. Pure: no I/O, no clock (the block's
 * timestamp is passed in), deterministic, so every honest node that applies the same chain holds the same state
 * (`digest()` says so in one hash).
 */

export interface Account {
  balance: bigint;
  /** The last nonce used; the next transaction must carry nonce + 1. */
  nonce: number;
  staked: bigint;
  lockedUntil: number;
  /** The transaction that last locked stake (PoStake's ledgerRef). */
  stakeRef: string;
  earned: bigint;
}

export interface RegistrationRecord {
  readonly owner: string;
  readonly resource: ResourceKind;
  readonly privacyLevel: PrivacyLevel;
}

export interface AllocationRecord {
  readonly provider: string;
  readonly consumer: string;
  readonly assetId: string;
  readonly amount: bigint;
  readonly grantedAt: number;
  readonly durationMs: number;
  /** Usage up to here is paid; the next receipt must start at or after it. */
  paidUntil: number;
}

/** What one applied transaction did, for the history tables. */
export interface TxEffect {
  readonly kind: LedgerTxKind;
  readonly sender: string;
  /** Who received money, when someone did. */
  readonly recipient: string | null;
  readonly amount: bigint;
}

export interface ProducerWeight {
  readonly nodeId: string;
  readonly weight: bigint;
}

/** Stake that counts for block production (PoStake's rule): at least `minStake`, locked `minLockAheadMs` ahead. */
export interface ProducerRules {
  readonly minStake: bigint;
  readonly minLockAheadMs: number;
}

/** The consensus defaults: 1 Caesar locked at least a day ahead. */
export const DEFAULT_PRODUCER_RULES: ProducerRules = { minStake: UNITS_PER_CAESAR, minLockAheadMs: 24 * 3_600_000 };
export const MIN_LOCK_AHEAD_MS = DEFAULT_PRODUCER_RULES.minLockAheadMs;
/** Stake locks end at most this far ahead. */
export const MAX_LOCK_MS = 366 * 86_400_000;
/** A receipt may end at most this far past the block's time (clocks differ a little). */
export const RECEIPT_SKEW_MS = 30_000;
/** Authorities' stake never unlocks. */
export const AUTHORITY_LOCKED_UNTIL = 253_402_300_799_000; // 9999-12-31

function emptyAccount(): Account {
  return { balance: 0n, nonce: 0, staked: 0n, lockedUntil: 0, stakeRef: '', earned: 0n };
}

export class LedgerState {
  readonly accounts = new Map<string, Account>();
  readonly registrations = new Map<string, RegistrationRecord>();
  readonly allocations = new Map<string, AllocationRecord>();
  readonly authorities: ReadonlyMap<string, bigint>;

  constructor(
    authorities: readonly GenesisAuthority[],
    readonly rules: ProducerRules = DEFAULT_PRODUCER_RULES,
  ) {
    this.authorities = new Map(authorities.map((a) => [a.nodeId, a.weight]));
  }

  clone(): LedgerState {
    const copy = new LedgerState(
      [...this.authorities].map(([nodeId, weight]) => ({ nodeId, weight })),
      this.rules,
    );
    for (const [k, v] of this.accounts) copy.accounts.set(k, { ...v });
    for (const [k, v] of this.registrations) copy.registrations.set(k, v);
    for (const [k, v] of this.allocations) copy.allocations.set(k, { ...v });
    return copy;
  }

  account(nodeId: string): Readonly<Account> {
    return this.accounts.get(nodeId) ?? emptyAccount();
  }

  private mutable(nodeId: string): Account {
    let a = this.accounts.get(nodeId);
    if (!a) {
      a = emptyAccount();
      this.accounts.set(nodeId, a);
    }
    return a;
  }

  /**
   * Checks `tx` against the state at `blockTime` and, only if every rule holds, applies it. Throws LedgerRuleError
   * and changes nothing otherwise. Signatures are checked before (verifyTxSignatures); this is the state's part.
   */
  apply(tx: Transaction, txId: string, blockTime: number): TxEffect {
    const sender = this.account(tx.from);
    if (tx.nonce !== sender.nonce + 1) {
      throw new LedgerRuleError(
        'nonce',
        tx.nonce <= sender.nonce
          ? `nonce ${tx.nonce} was already used (replay or double spend); the next is ${sender.nonce + 1}`
          : `nonce ${tx.nonce} is ahead of the next, ${sender.nonce + 1}`,
      );
    }
    const b = tx.body;
    let effect: TxEffect;
    switch (b.kind) {
      case 'transfer': {
        if (sender.balance < b.amount) {
          throw new LedgerRuleError('balance', `balance ${formatAmount(sender.balance)} < ${formatAmount(b.amount)}`);
        }
        this.mutable(tx.from).balance -= b.amount;
        this.mutable(b.to).balance += b.amount;
        effect = { kind: b.kind, sender: tx.from, recipient: b.to, amount: b.amount };
        break;
      }
      case 'stake_lock': {
        if (sender.balance < b.amount) {
          throw new LedgerRuleError(
            'balance',
            `balance ${formatAmount(sender.balance)} < stake ${formatAmount(b.amount)}`,
          );
        }
        if (b.lockedUntil < blockTime + this.rules.minLockAheadMs || b.lockedUntil > blockTime + MAX_LOCK_MS) {
          throw new LedgerRuleError('stake', 'a stake is locked between one day and a year ahead');
        }
        if (b.lockedUntil < sender.lockedUntil) {
          throw new LedgerRuleError('stake', 'a new lock cannot end before the current one');
        }
        const a = this.mutable(tx.from);
        a.balance -= b.amount;
        a.staked += b.amount;
        a.lockedUntil = b.lockedUntil;
        a.stakeRef = `stake:${txId}`;
        effect = { kind: b.kind, sender: tx.from, recipient: null, amount: b.amount };
        break;
      }
      case 'stake_unlock': {
        if (sender.staked === 0n) throw new LedgerRuleError('stake', 'no stake to unlock');
        if (blockTime < sender.lockedUntil) {
          throw new LedgerRuleError('stake', `the stake is locked until ${new Date(sender.lockedUntil).toISOString()}`);
        }
        const a = this.mutable(tx.from);
        const amount = a.staked;
        a.balance += amount;
        a.staked = 0n;
        a.lockedUntil = 0;
        a.stakeRef = '';
        effect = { kind: b.kind, sender: tx.from, recipient: tx.from, amount };
        break;
      }
      case 'registration': {
        let owner: string;
        let resource: ResourceKind;
        try {
          const parts = parseAssetId(b.assetId);
          owner = parts.owner;
          resource = parts.kind;
        } catch (err) {
          throw new LedgerRuleError('record', `not an AssetId: ${(err as Error).message}`);
        }
        if (owner !== tx.from) throw new LedgerRuleError('record', 'only the owner registers its asset');
        if (resource !== b.resource) throw new LedgerRuleError('record', 'the resource does not match the AssetId');
        this.registrations.set(b.assetId, { owner, resource, privacyLevel: b.privacyLevel });
        effect = { kind: b.kind, sender: tx.from, recipient: null, amount: 0n };
        break;
      }
      case 'allocation': {
        const reg = this.registrations.get(b.assetId);
        if (!reg || reg.owner !== tx.from) {
          throw new LedgerRuleError('record', 'the asset is not registered to this provider on the ledger');
        }
        if (this.allocations.has(b.leaseId)) throw new LedgerRuleError('duplicate', 'the lease is already recorded');
        this.allocations.set(b.leaseId, {
          provider: tx.from,
          consumer: b.consumer,
          assetId: b.assetId,
          amount: b.amount,
          grantedAt: b.grantedAt,
          durationMs: b.durationMs,
          paidUntil: b.grantedAt,
        });
        effect = { kind: b.kind, sender: tx.from, recipient: null, amount: 0n };
        break;
      }
      case 'reward': {
        const r = b.receipt.receipt;
        const lease = this.allocations.get(r.leaseId);
        if (!lease) throw new LedgerRuleError('receipt', 'the receipt names a lease the ledger has not recorded');
        if (lease.provider !== tx.from || lease.consumer !== r.consumer || lease.assetId !== r.assetId) {
          throw new LedgerRuleError('receipt', 'the receipt does not match the recorded lease');
        }
        const reg = this.registrations.get(r.assetId);
        if (!reg || reg.resource !== r.resource) throw new LedgerRuleError('receipt', 'the resource does not match');
        if (r.amount > lease.amount) throw new LedgerRuleError('receipt', 'the receipt claims more than was leased');
        if (r.fromMs < lease.paidUntil) throw new LedgerRuleError('receipt', 'this usage was already paid');
        if (r.toMs > lease.grantedAt + lease.durationMs) {
          throw new LedgerRuleError('receipt', 'the receipt runs past the end of the lease');
        }
        if (r.toMs > blockTime + RECEIPT_SKEW_MS) throw new LedgerRuleError('receipt', 'the receipt is for the future');
        const payout = rewardUnits({
          kind: r.resource,
          amount: r.amount,
          durationMs: BigInt(r.toMs - r.fromMs),
          privacyLevel: reg.privacyLevel,
        });
        this.allocations.set(r.leaseId, { ...lease, paidUntil: r.toMs });
        const a = this.mutable(tx.from);
        a.balance += payout;
        a.earned += payout;
        effect = { kind: b.kind, sender: r.consumer, recipient: tx.from, amount: payout };
        break;
      }
    }
    this.mutable(tx.from).nonce = tx.nonce;
    return effect;
  }

  /** Who may produce blocks at `at`: the genesis authorities and every account with enough stake locked ahead. */
  producers(at: number): ProducerWeight[] {
    const out = new Map<string, bigint>(this.authorities);
    for (const [nodeId, a] of this.accounts) {
      if (a.staked >= this.rules.minStake && a.lockedUntil >= at + this.rules.minLockAheadMs) {
        out.set(nodeId, (out.get(nodeId) ?? 0n) + a.staked);
      }
    }
    return [...out]
      .map(([nodeId, weight]) => ({ nodeId, weight }))
      .sort((x, y) => (x.nodeId < y.nodeId ? -1 : x.nodeId > y.nodeId ? 1 : 0));
  }

  /** The stake record PoStake checks, as this state holds it. */
  stakeRecord(nodeId: string): StakeRecord | undefined {
    const authority = this.authorities.get(nodeId);
    const a = this.accounts.get(nodeId);
    if (authority !== undefined) {
      return {
        nodeId,
        amount: formatAmount(authority + (a?.staked ?? 0n)),
        lockedUntil: AUTHORITY_LOCKED_UNTIL,
        ledgerRef: 'genesis',
      };
    }
    if (!a || a.staked === 0n) return undefined;
    return { nodeId, amount: formatAmount(a.staked), lockedUntil: a.lockedUntil, ledgerRef: a.stakeRef };
  }

  /** One hash over every account and record, in a fixed order: equal on two nodes exactly when their states are. */
  digest(): string {
    const h = createHash('sha256').update('hypermesh/ledger/state/v1\0');
    for (const id of [...this.accounts.keys()].sort()) {
      const a = this.accounts.get(id) as Account;
      h.update(`${id}|${a.balance}|${a.nonce}|${a.staked}|${a.lockedUntil}|${a.stakeRef}|${a.earned}\n`);
    }
    for (const id of [...this.registrations.keys()].sort()) {
      const r = this.registrations.get(id) as RegistrationRecord;
      h.update(`R${id}|${r.owner}|${r.resource}|${r.privacyLevel}\n`);
    }
    for (const id of [...this.allocations.keys()].sort()) {
      const l = this.allocations.get(id) as AllocationRecord;
      h.update(
        `L${id}|${l.provider}|${l.consumer}|${l.assetId}|${l.amount}|${l.grantedAt}|${l.durationMs}|${l.paidUntil}\n`,
      );
    }
    return h.digest('hex');
  }
}

/**
 * The slot's leader: a stake-weighted draw seeded by the genesis id and the slot number only, so nobody can steer
 * it by choosing transactions or timestamps. Producers are sorted by NodeId; the draw picks by cumulative weight.
 */
export function leaderOf(slot: number, genesisId: string, producers: readonly ProducerWeight[]): string | undefined {
  const total = producers.reduce((s, p) => s + p.weight, 0n);
  if (total === 0n) return undefined;
  const seed = createHash('sha256')
    .update('hypermesh/ledger/leader/v1\0')
    .update(genesisId)
    .update(String(slot))
    .digest();
  let pick = BigInt(`0x${seed.toString('hex')}`) % total;
  for (const p of producers) {
    if (pick < p.weight) return p.nodeId;
    pick -= p.weight;
  }
  return undefined;
}
