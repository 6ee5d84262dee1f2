import { describe, expect, it } from 'vitest';
import { MAX_AMOUNT_UNITS, formatAmount } from '../../../../shared/amount';
import { ErrorCode } from '../../../../shared/errors';
import { MEMO_MAX_LENGTH } from '../../../../shared/ledger';
import {
  REQUEST_ID_PATTERN,
  axisLabel,
  canUnlockStake,
  checkAmount,
  checkLockDays,
  checkMemo,
  checkRecipient,
  earningsBars,
  formatCaesar,
  groupDigits,
  historyQuery,
  hoursPerBar,
  layoutBars,
  ledgerSummary,
  newRequestId,
  niceCeiling,
  refusedOutright,
  shortAccount,
  signedAmount,
  totalEarnings,
  walletErrorTitle,
  type Checked,
} from './wallet';

/** The check refused the input, and says why in words that match `reason`. */
function expectRefused(checked: Checked<unknown>, reason: RegExp): void {
  expect(checked.ok).toBe(false);
  if (!checked.ok) expect(checked.error).toMatch(reason);
}

const NODE_ID = '44dpwp536x4ilqfpetc3o4pucdvrycohehggdkm73gsn3groa7ba';
const OTHER_ID = 'abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst';

describe('wallet amounts on screen', () => {
  it('groups the whole part only, without touching the decimals', () => {
    const grouped: [string, string][] = [
      ['0', '0'],
      ['999', '999'],
      ['1000', '1,000'],
      ['1234567.12345678', '1,234,567.12345678'],
      ['-1234.5', '-1,234.5'],
    ];
    for (const [amount, shown] of grouped) expect(groupDigits(amount)).toBe(shown);
    expect(formatCaesar('12.5')).toBe('12.5 Caesar');
  });

  it('signs amounts by direction', () => {
    expect(signedAmount('12.5', 'in')).toBe('+12.5');
    expect(signedAmount('1000', 'out')).toBe('−1,000');
    expect(signedAmount('3', 'none')).toBe('3');
  });

  it('shortens NodeIds and leaves names alone', () => {
    expect(shortAccount(NODE_ID)).toBe('hm-44dp-wp53');
    expect(shortAccount('alice')).toBe('alice');
  });
});

describe('send form checks', () => {
  it('accepts a NodeId or a name, trimmed and lower-cased', () => {
    expect(checkRecipient(`  ${NODE_ID.toUpperCase()} `)).toEqual({ ok: true, value: NODE_ID });
    expect(checkRecipient('alice')).toEqual({ ok: true, value: 'alice' });
    expect(checkRecipient('my-node-2')).toEqual({ ok: true, value: 'my-node-2' });
  });

  it('refuses what is neither, with a reason', () => {
    for (const bad of ['', '   ', 'not a node!', '-alice', 'alice-', 'a'.repeat(64), 'name.with.dots']) {
      const checked = checkRecipient(bad);
      expect(checked.ok, bad).toBe(false);
    }
    expectRefused(checkRecipient(''), /Enter/);
    // The short form is for reading aloud; many nodes may share it.
    expectRefused(checkRecipient('hm-44dp-wp53'), /short NodeId/);
    // NodeId-length, but with digits base32 has not: a typo, not a name.
    expectRefused(checkRecipient(`${NODE_ID.slice(0, 51)}1`), /not a valid NodeId/);
  });

  it("refuses the wallet's own address", () => {
    expectRefused(checkRecipient(NODE_ID, NODE_ID), /own address/);
    expect(checkRecipient(OTHER_ID, NODE_ID)).toEqual({ ok: true, value: OTHER_ID });
  });

  it('takes amounts of up to 8 decimals, more than 0, in their shortest form', () => {
    expect(checkAmount('12.5')).toEqual({ ok: true, value: '12.5' });
    expect(checkAmount(' 007.50 ')).toEqual({ ok: true, value: '7.5' });
    expect(checkAmount('.5')).toEqual({ ok: true, value: '0.5' });
    expect(checkAmount('5.')).toEqual({ ok: true, value: '5' });
    expect(checkAmount('0.00000001')).toEqual({ ok: true, value: '0.00000001' });
    const max = formatAmount(MAX_AMOUNT_UNITS);
    expect(checkAmount(max)).toEqual({ ok: true, value: max });
  });

  it('refuses zero, negative, malformed and over-precise amounts, each with its reason', () => {
    expectRefused(checkAmount(''), /Enter an amount/);
    expectRefused(checkAmount('0'), /more than 0/);
    expectRefused(checkAmount('0.00000000'), /more than 0/);
    expectRefused(checkAmount('-1'), /negative/);
    expectRefused(checkAmount('1.123456789'), /at most 8 decimals/);
    expectRefused(checkAmount('1,5'), /dot/);
    expectRefused(checkAmount('1e5'), /number of Caesar/);
    expectRefused(checkAmount('abc'), /number of Caesar/);
    expectRefused(checkAmount('.'), /number of Caesar/);
    expectRefused(checkAmount(formatAmount(MAX_AMOUNT_UNITS + 1n)), /at most/);
  });

  it('compares with what is available exactly (no floating point)', () => {
    expect(checkAmount('10', '10')).toEqual({ ok: true, value: '10' });
    expectRefused(checkAmount('10.00000001', '10'), /more than you have available/);
    // 0.1 + 0.2 is not 0.3 in floating point; in base units it is.
    expect(checkAmount('0.3', '0.3')).toEqual({ ok: true, value: '0.3' });
    // Equal as floating-point numbers, one base unit apart in fact.
    expectRefused(checkAmount('9999999999.99999999', '9999999999.99999998'), /more than you have available/);
    // Unknown balance (ledger unavailable): only the node can say.
    expect(checkAmount('5', undefined)).toEqual({ ok: true, value: '5' });
  });

  it('limits memos to MEMO_MAX_LENGTH characters; empty is none', () => {
    expect(checkMemo('')).toEqual({ ok: true, value: undefined });
    expect(checkMemo('   ')).toEqual({ ok: true, value: undefined });
    expect(checkMemo('rent')).toEqual({ ok: true, value: 'rent' });
    expect(checkMemo('x'.repeat(MEMO_MAX_LENGTH))).toMatchObject({ ok: true });
    expectRefused(checkMemo('x'.repeat(MEMO_MAX_LENGTH + 1)), /at most 140/);
  });

  it('locks stake for 2–365 whole days', () => {
    expect(checkLockDays('2')).toEqual({ ok: true, value: 2 });
    expect(checkLockDays('365')).toEqual({ ok: true, value: 365 });
    for (const bad of ['', '1', '366', '2.5', '-3', 'ten']) expect(checkLockDays(bad).ok, bad).toBe(false);
  });
});

describe('request ids', () => {
  it('are 32 hex characters the node accepts, and differ each time', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newRequestId()));
    expect(ids.size).toBe(100);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(id).toMatch(REQUEST_ID_PATTERN);
    }
  });

  it('come from the random source given', () => {
    expect(newRequestId((bytes) => bytes.fill(0xab))).toBe('ab'.repeat(16));
  });

  it('change only after an outright refusal; a lost reply or an offline peer keeps the id for the retry', () => {
    for (const code of [
      ErrorCode.InsufficientBalance,
      ErrorCode.UnknownRecipient,
      ErrorCode.LedgerUnavailable,
      ErrorCode.InvalidArgument,
      ErrorCode.LedgerRejected,
      ErrorCode.StakeLocked,
      // The id was used for other details: the next attempt needs a new one.
      ErrorCode.IdempotencyConflict,
    ]) {
      expect(refusedOutright(code), code).toBe(true);
    }
    for (const code of [null, ErrorCode.PeerOffline, ErrorCode.Internal, ErrorCode.NodeNotRunning]) {
      expect(refusedOutright(code), String(code)).toBe(false);
    }
  });

  it('errors are told apart by code', () => {
    expect(walletErrorTitle(ErrorCode.InsufficientBalance)).toMatch(/Not enough Caesar/);
    expect(walletErrorTitle(ErrorCode.UnknownRecipient)).toMatch(/Unknown recipient/);
    expect(walletErrorTitle(ErrorCode.IdempotencyConflict)).toMatch(/already sent with other details/);
    expect(walletErrorTitle(ErrorCode.PeerOffline)).toMatch(/No peer/);
    expect(walletErrorTitle(ErrorCode.LedgerUnavailable)).toMatch(/ledger is unavailable/);
    expect(walletErrorTitle(null)).toMatch(/No answer/);
  });
});

describe('stake and ledger state', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it('allows unlocking only stake whose lock has passed', () => {
    expect(canUnlockStake({ staked: '0', stakeLockedUntil: null }, now)).toBe(false);
    expect(canUnlockStake({ staked: '5', stakeLockedUntil: '2026-11-26T12:00:00Z' }, now)).toBe(false);
    expect(canUnlockStake({ staked: '5', stakeLockedUntil: '2026-11-25T12:00:00Z' }, now)).toBe(true);
    expect(canUnlockStake({ staked: '5', stakeLockedUntil: '2026-11-24T12:00:00Z' }, now)).toBe(true);
    expect(canUnlockStake({ staked: '0', stakeLockedUntil: '2026-11-24T12:00:00Z' }, now)).toBe(false);
    expect(canUnlockStake({ staked: '5', stakeLockedUntil: 'never' }, now)).toBe(false);
  });

  it('sums up the ledger state', () => {
    expect(ledgerSummary({ state: 'synced', height: 12045 })).toBe('✓ In sync at block 12,045');
    expect(ledgerSummary({ state: 'syncing', height: 3 })).toBe('Catching up at block 3');
    expect(ledgerSummary({ state: 'off', height: 0 })).toBe('Off');
    expect(ledgerSummary({ state: 'waiting-genesis', height: 0 })).toBe('Waiting for the genesis block');
  });

  it('builds the history query from the filters that are set', () => {
    expect(historyQuery({ kind: '', direction: '', status: '' })).toEqual({});
    expect(historyQuery({ kind: 'transfer', direction: 'out', status: '' })).toEqual({
      kind: 'transfer',
      direction: 'out',
    });
    expect(historyQuery({ kind: '', direction: '', status: 'rejected' })).toEqual({ status: 'rejected' });
  });
});

describe('earnings chart', () => {
  const start = Date.parse('2026-11-24T00:00:00Z');
  const hourly = (amounts: readonly string[]) =>
    amounts.map((amount, i) => ({ at: new Date(start + i * 3_600_000).toISOString(), amount }));

  it('draws 24–30 bars for each period', () => {
    expect(hoursPerBar(1)).toBe(1);
    expect(hoursPerBar(7)).toBe(6);
    expect(hoursPerBar(30)).toBe(24);
  });

  it('sums hours into bars exactly, newest bar ending with the newest hour', () => {
    const points = hourly(['0.1', '0.2', '0', '0.00000001', '1', '2', '3']);
    const bars = earningsBars(points, 3);
    expect(bars.map((b) => b.amount)).toEqual(['0.1', '0.20000001', '6']);
    expect(bars.map((b) => b.value)).toEqual([0.1, 0.20000001, 6]);
    expect(bars[0]).toMatchObject({ start, end: start + 3_600_000 });
    expect(bars[2]).toMatchObject({ start: start + 4 * 3_600_000, end: start + 7 * 3_600_000 });
    expect(totalEarnings(points)).toBe('6.30000001');
    expect(earningsBars([], 6)).toEqual([]);
    expect(totalEarnings([])).toBe('0');
  });

  it('counts a point that is not an amount as nothing', () => {
    expect(earningsBars(hourly(['1', 'oops']), 2).map((b) => b.amount)).toEqual(['1']);
  });

  it('scales to a round top', () => {
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(Number.NaN)).toBe(1);
    expect(niceCeiling(1)).toBe(1);
    expect(niceCeiling(1.2)).toBe(2);
    expect(niceCeiling(3)).toBe(5);
    expect(niceCeiling(7)).toBe(10);
    expect(niceCeiling(20)).toBe(20);
    expect(niceCeiling(0.00000003)).toBeCloseTo(0.00000005, 15);
    expect(axisLabel(2000)).toBe('2,000');
    expect(axisLabel(5)).toBe('5');
    expect(axisLabel(0.02)).toBe('0.02');
    expect(axisLabel(0.00000005)).toBe('0.00000005');
  });

  it('lays bars out in the plot area, tallest at the top, none below zero', () => {
    const area = { x: 10, y: 0, width: 100, height: 50 };
    const geometry = layoutBars([{ value: 5 }, { value: 2.5 }, { value: 0 }, { value: -1 }], area, 5);
    expect(geometry).toHaveLength(4);
    expect(geometry[0]).toMatchObject({ y: 0, height: 50 });
    expect(geometry[1]).toMatchObject({ y: 25, height: 25 });
    expect(geometry[2]).toMatchObject({ y: 50, height: 0 });
    expect(geometry[3]).toMatchObject({ height: 0 });
    for (const g of geometry) {
      expect(g.x).toBeGreaterThanOrEqual(area.x);
      expect(g.x + g.width).toBeLessThanOrEqual(area.x + area.width);
    }
    expect(layoutBars([], area, 1)).toEqual([]);
  });
});
