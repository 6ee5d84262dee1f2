import { rmSync } from 'node:fs';
import type { BrowserContext, Page, Route, TestInfo } from '@playwright/test';
import { formatAmount, parseAmount } from '../src/shared/amount';
import type { NodeStatus } from '../src/shared/api/contract';
import type { EarningsPoint, WalletTxView, WalletView } from '../src/shared/ledger';
import type { RemoteAllocationView, RemoteAssetView } from '../src/shared/mesh';
import { expectAccessible } from './support/a11y';
import { AppPage, WalletPage, caesar } from './support/app-page';
import { expect, test } from './support/fixtures';
import { openUi } from './support/peers';
import { NodeProcess, newDataDir } from './support/node-process';

/** Another node's NodeId (52 characters a–z, 2–7); no node has it here. */
const PEER = 'abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst';
const PEER_SHORT = 'hm-abcd-efgh';
const REQUEST_ID = /^[A-Za-z0-9_-]{8,64}$/;

type Reply<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** Calls the node from the page, the way the UI does, and keeps the error's code (app.call keeps only the message). */
async function ask<T>(page: Page, method: string, args: unknown[] = []): Promise<Reply<T>> {
  return page.evaluate(
    async ([m, a]) => {
      const bridge = (window as { nodeBridge?: { invoke(m: string, a: unknown[]): Promise<unknown> } }).nodeBridge;
      if (bridge) return bridge.invoke(m, a);
      const token = sessionStorage.getItem('hypermesh.apiToken') ?? '';
      const res = await fetch('/api/call', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ method: m, args: a }),
      });
      return res.json() as Promise<unknown>;
    },
    [method, args] as const,
  ) as Promise<Reply<T>>;
}

interface ApiCall {
  readonly method: string;
  readonly args: readonly unknown[];
}

/** Records every API call the page makes over HTTP (web only). */
function watchCalls(page: Page): ApiCall[] {
  const calls: ApiCall[] = [];
  page.on('request', (request) => {
    if (!request.url().endsWith('/api/call')) return;
    calls.push(request.postDataJSON() as ApiCall);
  });
  return calls;
}

const argsOf = (calls: readonly ApiCall[], method: string) =>
  calls.filter((c) => c.method === method).map((c) => c.args);

/** What a stubbed method answers: a value, the node's error, no answer at all, or never. */
type Answer =
  | { readonly value: unknown; readonly delayMs?: number }
  | { readonly error: { readonly code: string; readonly message: string } }
  | 'abort'
  | 'hang';

/**
 * Answers the given API methods in place of the node (web only); every other call goes to the real node. Lets the
 * page be tested against a ledger's answers before the ledger exists. Returns the calls the stubs answered.
 */
async function stubNode(page: Page, stubs: Record<string, (args: readonly unknown[]) => Answer>): Promise<ApiCall[]> {
  const calls: ApiCall[] = [];
  await page.route('**/api/call', async (route: Route) => {
    const call = route.request().postDataJSON() as ApiCall;
    const stub = stubs[call.method];
    if (!stub) return route.fallback();
    calls.push(call);
    const answer = stub(call.args);
    if (answer === 'abort') return route.abort('failed');
    if (answer === 'hang') return new Promise<void>(() => undefined);
    if ('error' in answer) return route.fulfill({ json: { ok: false, error: answer.error } });
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    return route.fulfill({ json: { ok: true, value: answer.value } });
  });
  return calls;
}

const HOUR = 3_600_000;

function walletOf(status: NodeStatus, change: Partial<WalletView> = {}): WalletView {
  return {
    address: status.nodeId,
    addressShort: status.nodeIdShort,
    available: '1234.5',
    balance: '1240',
    pendingIn: '0.25',
    pendingOut: '5.5',
    staked: '100',
    stakeLockedUntil: new Date(Date.now() + 3 * 24 * HOUR).toISOString(),
    earnedTotal: '0.00000001',
    ledger: {
      state: 'synced',
      problem: null,
      genesisHash: 'ab'.repeat(32),
      height: 12045,
      headHash: 'cd'.repeat(32),
      headAt: new Date().toISOString(),
      producers: 3,
      producing: false,
      mempool: 2,
      stateDigest: 'ef'.repeat(32),
    },
    ...change,
  };
}

function tx(change: Partial<WalletTxView> & Pick<WalletTxView, 'txId'>): WalletTxView {
  return {
    kind: 'transfer',
    direction: 'out',
    counterparty: PEER,
    amount: '1',
    status: 'confirmed',
    height: 100,
    time: new Date(Date.now() - HOUR).toISOString(),
    memo: null,
    reason: null,
    ...change,
  };
}

const HISTORY: readonly WalletTxView[] = [
  tx({ txId: 'tx-out-pending', amount: '2.5', status: 'pending', height: null, memo: 'rent' }),
  tx({ txId: 'tx-in', direction: 'in', amount: '12.5', height: 12040, memo: 'thanks' }),
  tx({ txId: 'tx-rejected', amount: '5000', status: 'rejected', height: null, reason: 'balance: not enough' }),
  tx({ txId: 'tx-reward', kind: 'reward', direction: 'in', counterparty: null, amount: '0.00000001', height: 12001 }),
  tx({ txId: 'tx-stake', kind: 'stake_lock', direction: 'none', counterparty: null, amount: '100', height: 11000 }),
];

/** Hourly earnings for `days` days, oldest first: 0.5 Caesar every third hour, nothing otherwise. */
function earningsFor(days: number): EarningsPoint[] {
  const hours = days * 24;
  const start = Math.floor(Date.now() / HOUR) * HOUR - (hours - 1) * HOUR;
  return Array.from({ length: hours }, (_, i) => ({
    at: new Date(start + i * HOUR).toISOString(),
    amount: i % 3 === 0 ? '0.5' : '0',
  }));
}

/** The sum of earnings points, exact (bigint base units). */
function sum(points: readonly EarningsPoint[]): string {
  return formatAmount(points.reduce((total, p) => total + parseAmount(p.amount), 0n));
}

test.describe('Wallet page on a node without a ledger', () => {
  test('says honestly that the ledger is unavailable (or shows the node’s own figures), and is accessible', async ({
    app,
    target,
  }) => {
    await app.ui.open('wallet');
    const wallet = app.ui.wallet();
    const reply = await ask<WalletView>(app.page, 'getWallet');
    if (!reply.ok) {
      // Today: the node has no ledger and says so; the page repeats what it said, and shows no figure at all.
      expect(reply.error.code).toBe('LEDGER_UNAVAILABLE');
      await expect(wallet.unavailable).toContainText('The Caesar ledger is unavailable.');
      await expect(wallet.unavailable).toContainText(reply.error.message);
      await expect(wallet.unavailable).toContainText('No balance is shown until this node has the ledger');
      await expect(wallet.ledgerState).toHaveAttribute('data-state', 'unavailable');
      for (const figure of [wallet.available, wallet.balance, wallet.pendingIn, wallet.pendingOut, wallet.staked]) {
        await expect(figure).toHaveCount(0);
      }
      await expect(wallet.earningsUnavailable).toHaveText('No earnings to show: the Caesar ledger is unavailable.');
      await expect(wallet.earningsChart).toHaveCount(0);
      await expect(wallet.historyUnavailable).toHaveText('No history to show: the Caesar ledger is unavailable.');
      await expect(wallet.stakeState).toHaveText('Your stake is not known while the ledger is unavailable.');
      await expect(app.page.getByRole('main')).not.toContainText(/\d Caesar/);
    } else {
      // Once the ledger exists, a lone node's ledger is off or waiting: the page shows the node's figures as given.
      const w = reply.value;
      await expect(wallet.ledgerState).toHaveAttribute('data-state', w.ledger.state);
      await expect(wallet.balance).toHaveText(caesar(w.balance));
      await expect(wallet.available).toContainText(caesar(w.available));
      await expect(wallet.earned).toHaveText(caesar(w.earnedTotal));
      if (w.ledger.problem) await expect(wallet.ledgerProblem).toHaveText(w.ledger.problem);
    }
    await expect(wallet.unlockButton).toBeDisabled();
    await expect(wallet.period(7)).toHaveAttribute('aria-pressed', 'true');
    await expectAccessible(app.page);
    if (target === 'web') await app.page.screenshot({ path: 'test-results/screenshots/wallet.png', fullPage: true });

    await wallet.openSend();
    await expectAccessible(app.page);
    await app.page.emulateMedia({ colorScheme: 'dark' });
    await expect(app.page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expectAccessible(app.page);
    await wallet.cancelButton.click();
    await expect(wallet.dialog).toHaveCount(0);
    await expect(wallet.sendButton).toBeFocused();
    await expectAccessible(app.page);
  });

  test('the receive panel shows this node’s NodeId and copies it', async ({ app, target }) => {
    const status = await app.call<NodeStatus>('getStatus');
    await app.ui.open('wallet');
    const wallet = app.ui.wallet();
    await expect(wallet.address).toHaveText(status.nodeId);
    await expect(wallet.addressShort).toHaveText(status.nodeIdShort);
    // The same node as the top bar says.
    await expect(app.page.locator('.node-chip')).toHaveAttribute('title', status.nodeId);

    if (target === 'web') {
      await app.page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
      await wallet.copyButton.click();
      await expect(wallet.copyStatus).toHaveText('✓ Copied to the clipboard.');
      expect(await app.page.evaluate(() => navigator.clipboard.readText())).toBe(status.nodeId);
    }

    // Without a clipboard (an insecure page, a refusal) the address is selected for Ctrl+C instead.
    await app.page.evaluate(() => {
      Object.defineProperty(navigator, 'clipboard', {
        configurable: true,
        value: { writeText: () => Promise.reject(new Error('not allowed')) },
      });
    });
    await wallet.copyButton.click();
    await expect(wallet.copyStatus).toContainText('the address is selected, press Ctrl+C');
    expect(await app.page.evaluate(() => window.getSelection()?.toString())).toBe(status.nodeId);
  });

  test('send dialog: a bad recipient, amount or memo is refused with a visible reason, and nothing is sent', async ({
    app,
    target,
  }) => {
    test.skip(target !== 'web', 'watches the calls the page makes over HTTP');
    const calls = watchCalls(app.page);
    const status = await app.call<NodeStatus>('getStatus');
    await app.ui.open('wallet');
    const wallet = app.ui.wallet();
    // Without a ledger the balance is unknown and only the node can say; with one, a new wallet holds nothing.
    const reply = await ask<WalletView>(app.page, 'getWallet');
    const canAfford = !reply.ok || parseAmount(reply.value.available) >= parseAmount('1.5');
    await wallet.openSend();
    await expect(wallet.recipient).toBeFocused();

    // Nothing filled in: both required fields say so.
    await wallet.reviewButton.click();
    await expect(wallet.recipientError).toHaveText('Enter the NodeId or the name of the recipient.');
    await expect(wallet.amountError).toHaveText('Enter an amount.');
    await expect(wallet.recipient).toBeFocused();
    await expect(wallet.confirmStep).toHaveCount(0);

    // Recipients, checked as they are typed.
    for (const [to, reason] of [
      ['not a node!', /^Not a NodeId or a name/],
      [status.nodeIdShort, /is a short NodeId.*enter the full NodeId/],
      [`${PEER.slice(0, 51)}1`, /not a valid NodeId/],
      [status.nodeId, /this wallet’s own address/],
    ] as const) {
      await wallet.recipient.fill(to);
      await expect(wallet.recipientError).toHaveText(reason);
      await expect(wallet.recipient).toHaveAttribute('aria-invalid', 'true');
      await wallet.reviewButton.click();
      await expect(wallet.confirmStep).toHaveCount(0);
    }
    await wallet.recipient.fill(PEER);
    await expect(wallet.recipientError).toHaveCount(0);
    await expect(wallet.recipient).toHaveAttribute('aria-invalid', 'false');

    // Amounts: more than 0, not negative, at most 8 decimals, a plain number.
    for (const [amount, reason] of [
      ['0', 'The amount must be more than 0.'],
      ['0.000000000', 'An amount has at most 8 decimals.'],
      ['-1', 'An amount cannot be negative.'],
      ['1.123456789', 'An amount has at most 8 decimals.'],
      ['1,5', /Use a dot for decimals/],
      ['ten', 'Enter a number of Caesar, such as 12.5.'],
    ] as const) {
      await wallet.amount.fill(amount);
      await expect(wallet.amountError).toHaveText(reason);
      await expect(wallet.amount).toHaveAttribute('aria-invalid', 'true');
      await wallet.reviewButton.click();
      await expect(wallet.confirmStep).toHaveCount(0);
      await expect(wallet.amount).toBeFocused();
    }

    // A memo of 141 characters: the counter and the error say so.
    await wallet.amount.fill('1.5');
    await wallet.memo.fill('m'.repeat(141));
    await expect(wallet.memoError).toHaveText('A memo has at most 140 characters; this one has 141.');
    await expect(wallet.dialog).toContainText('141/140 characters');
    await wallet.reviewButton.click();
    await expect(wallet.confirmStep).toHaveCount(0);
    await expect(canAfford ? wallet.memo : wallet.amount).toBeFocused();
    await wallet.memo.fill('m'.repeat(140));
    await expect(wallet.memoError).toHaveCount(0);

    if (!canAfford) {
      // More than is available is refused before sending.
      await expect(wallet.amountError).toHaveText(/^That is more than you have available/);
      await wallet.reviewButton.click();
      await expect(wallet.confirmStep).toHaveCount(0);
    } else {
      // The confirmation shows what would be sent, exactly; Back keeps what was typed.
      await wallet.reviewButton.click();
      await expect(wallet.confirmTo).toContainText(PEER_SHORT);
      await expect(wallet.confirmTo).toContainText(PEER);
      await expect(wallet.confirmAmount).toHaveText('1.5 Caesar');
      await expect(wallet.confirmMemo).toHaveText('m'.repeat(140));
      await expect(wallet.submitButton).toHaveText('Send 1.5 Caesar');
      await wallet.backButton.click();
      await expect(wallet.recipient).toHaveValue(PEER);
      await expect(wallet.amount).toHaveValue('1.5');
    }
    await wallet.cancelButton.click();
    await expect(wallet.dialog).toHaveCount(0);
    expect(argsOf(calls, 'sendTokens')).toEqual([]);
  });

  test('stake: amount and lock days are checked before anything is sent; unlock waits for a lock', async ({
    app,
    target,
  }) => {
    test.skip(target !== 'web', 'watches the calls the page makes over HTTP');
    const calls = watchCalls(app.page);
    await app.ui.open('wallet');
    const wallet = app.ui.wallet();
    const reply = await ask<WalletView>(app.page, 'getWallet');
    await expect(wallet.unlockButton).toBeDisabled();
    await wallet.stakeAmount.fill('0');
    await expect(wallet.stakeAmountError).toHaveText('The amount must be more than 0.');
    await wallet.stakeAmount.fill('1.000000001');
    await expect(wallet.stakeAmountError).toHaveText('An amount has at most 8 decimals.');
    await wallet.stakeAmount.fill('1');
    if (reply.ok && parseAmount(reply.value.available) < parseAmount('1')) {
      await expect(wallet.stakeAmountError).toHaveText(
        `That is more than you have available (${caesar(reply.value.available)}).`,
      );
    } else {
      await expect(wallet.stakeAmountError).toHaveCount(0);
    }
    for (const days of ['1', '366', '2.5']) {
      await wallet.stakeDays.fill(days);
      await expect(wallet.stakeDaysError).toHaveText(/2 to 365 days|whole number of days from 2 to 365/);
      await wallet.lockButton.click();
      await expect(wallet.stakeDaysError).toBeVisible();
    }
    expect(argsOf(calls, 'lockStake')).toEqual([]);
    await wallet.stakeDays.fill('2');
    await expect(wallet.stakeDaysError).toHaveCount(0);
  });
});

test.describe('Wallet page against a ledger’s answers (stubbed in the browser)', () => {
  test.skip(({ target }) => target !== 'web', 'answers the API calls over HTTP in place of the node');

  test('shows the node’s figures exactly, the history signed and filtered, and earnings per period', async ({
    app,
  }) => {
    const status = await app.call<NodeStatus>('getStatus');
    const wallet = walletOf(status);
    // The Dashboard asks for 30 days of earnings too: leave it before the Wallet page's calls are counted.
    await app.ui.open('settings');
    const calls = await stubNode(app.page, {
      getWallet: () => ({ value: wallet }),
      getWalletHistory: ([query]) => {
        const q = (query ?? {}) as { kind?: string; direction?: string; status?: string };
        return {
          value: HISTORY.filter(
            (t) =>
              (q.kind === undefined || t.kind === q.kind) &&
              (q.direction === undefined || t.direction === q.direction) &&
              (q.status === undefined || t.status === q.status),
          ),
        };
      },
      getEarnings: ([days]) => ({ value: earningsFor(days as number) }),
    });
    await app.ui.open('wallet');
    const page = app.ui.wallet();

    await expect(page.available).toHaveText('1,234.5 Caesar');
    await expect(page.balance).toHaveText('1,240 Caesar');
    await expect(page.pendingIn).toHaveText('0.25 Caesar');
    await expect(page.pendingOut).toHaveText('5.5 Caesar');
    await expect(page.staked).toContainText('100 Caesar, locked until');
    await expect(page.staked).toContainText('(in 2 d 23 h)');
    await expect(page.earned).toHaveText('0.00000001 Caesar');
    await expect(page.ledgerState).toHaveAttribute('data-state', 'synced');
    await expect(page.ledgerState).toContainText('✓ In sync at block 12,045');
    await expect(page.ledgerState).toContainText('3 block producers;');
    await expect(page.ledgerState).toContainText('2 transactions wait for a block');
    await expect(page.unavailable).toHaveCount(0);
    await expect(page.stakeState).toContainText('100 Caesar locked until');
    await expect(page.unlockButton).toBeDisabled();

    // History: newest first, amounts signed by direction, counterparties short with the full NodeId in the title.
    await expect(page.historyRows).toHaveCount(HISTORY.length);
    const pending = page.historyRow('tx-out-pending');
    await expect(pending.getByTestId('tx-amount')).toHaveText('−2.5');
    await expect(pending.getByTestId('tx-status')).toHaveText('… Pending');
    await expect(pending.getByTestId('tx-height')).toHaveText('—');
    await expect(pending.getByTestId('tx-memo')).toHaveText('rent');
    await expect(pending.getByTestId('tx-counterparty')).toHaveText(PEER_SHORT);
    await expect(pending.getByTestId('tx-counterparty').getByText(PEER_SHORT)).toHaveAttribute('title', PEER);
    const incoming = page.historyRow('tx-in');
    await expect(incoming.getByTestId('tx-amount')).toHaveText('+12.5');
    await expect(incoming.getByTestId('tx-direction')).toHaveText('In');
    await expect(incoming.getByTestId('tx-status')).toHaveText('✓ Confirmed');
    await expect(incoming.getByTestId('tx-height')).toHaveText('12,040');
    await expect(page.historyRow('tx-rejected').getByTestId('tx-status')).toHaveText('✗ Rejected: balance: not enough');
    await expect(page.historyRow('tx-reward').getByTestId('tx-kind')).toHaveText('Reward');
    await expect(page.historyRow('tx-reward').getByTestId('tx-counterparty')).toHaveText('—');
    const stake = page.historyRow('tx-stake');
    await expect(stake.getByTestId('tx-kind')).toHaveText('Stake locked');
    await expect(stake.getByTestId('tx-amount')).toHaveText('100');

    // Filters ask the node for just those transactions.
    await page.filterHistory({ kind: 'transfer' });
    await expect.poll(() => argsOf(calls, 'getWalletHistory').at(-1)).toEqual([{ kind: 'transfer' }]);
    await expect(page.historyRows).toHaveCount(3);
    await page.filterHistory({ direction: 'out' });
    await expect.poll(() => argsOf(calls, 'getWalletHistory').at(-1)).toEqual([{ kind: 'transfer', direction: 'out' }]);
    await expect(page.historyRows).toHaveCount(2);
    await page.filterHistory({ kind: 'reward', direction: '', status: 'rejected' });
    await expect.poll(() => argsOf(calls, 'getWalletHistory').at(-1)).toEqual([{ kind: 'reward', status: 'rejected' }]);
    await expect(page.historyEmpty).toHaveText('No transactions match these filters.');
    await page.filterHistory({ kind: '', status: '' });
    await expect(page.historyRows).toHaveCount(HISTORY.length);

    // Earnings: 7 days by default; the exact total in words, a bar per 6 hours with something in it.
    expect(argsOf(calls, 'getEarnings')[0]).toEqual([7]);
    await expect(page.earningsChart).toHaveAttribute(
      'aria-label',
      `Earned ${caesar(sum(earningsFor(7)))} in the last 7 days`,
    );
    await expect(page.earningsChart.locator('rect')).toHaveCount(28);
    await page.period(30).click();
    await expect(page.period(30)).toHaveAttribute('aria-pressed', 'true');
    await expect(page.period(7)).toHaveAttribute('aria-pressed', 'false');
    await expect.poll(() => argsOf(calls, 'getEarnings').at(-1)).toEqual([30]);
    await expect(page.earningsChart).toHaveAttribute('aria-label', 'Earned 120 Caesar in the last 30 days');
    await expect(page.earningsChart.locator('rect')).toHaveCount(30);
    await expect(page.earningsSummary).toContainText('each bar covers one day');
    await page.period(1).click();
    await expect(page.earningsChart).toHaveAttribute('aria-label', 'Earned 4 Caesar in the last 24 hours');
    await expect(page.earningsChart.locator('rect')).toHaveCount(8);

    await expectAccessible(app.page);
    await app.page.screenshot({ path: 'test-results/screenshots/wallet-stubbed.png', fullPage: true });
    await app.page.emulateMedia({ colorScheme: 'dark' });
    await expect(app.page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expectAccessible(app.page);
  });

  test('a node without a ledger: the page says so, shows no figure, and a send is refused as LEDGER_UNAVAILABLE', async ({
    app,
  }) => {
    const status = await app.call<NodeStatus>('getStatus');
    const unavailable = {
      error: { code: 'LEDGER_UNAVAILABLE', message: 'The Caesar ledger needs the peer transport and TrustChain.' },
    };
    // The Dashboard reads the real wallet too: leave it, and reload once stubbed, so no real figure is "last known".
    await app.ui.open('settings');
    const calls = await stubNode(app.page, {
      getWallet: () => unavailable,
      getWalletHistory: () => unavailable,
      getEarnings: () => unavailable,
      sendTokens: () => unavailable,
      lockStake: () => unavailable,
    });
    await app.page.reload();
    await app.ui.open('wallet');
    const wallet = app.ui.wallet();
    await expect(wallet.unavailable).toContainText(
      'The Caesar ledger is unavailable. The Caesar ledger needs the peer transport and TrustChain.',
    );
    await expect(wallet.unavailable).toContainText('No balance is shown until this node has the ledger');
    await expect(wallet.ledgerState).toHaveAttribute('data-state', 'unavailable');
    for (const figure of [wallet.available, wallet.balance, wallet.pendingIn, wallet.pendingOut, wallet.staked]) {
      await expect(figure).toHaveCount(0);
    }
    await expect(wallet.earningsUnavailable).toHaveText('No earnings to show: the Caesar ledger is unavailable.');
    await expect(wallet.earningsChart).toHaveCount(0);
    await expect(wallet.historyUnavailable).toHaveText('No history to show: the Caesar ledger is unavailable.');
    await expect(wallet.stakeState).toHaveText('Your stake is not known while the ledger is unavailable.');
    await expect(wallet.unlockButton).toBeDisabled();
    await expect(app.page.getByRole('main')).not.toContainText(/\d Caesar/);
    // The address is the node's NodeId: known without the ledger.
    await expect(wallet.address).toHaveText(status.nodeId);
    await expectAccessible(app.page);
    await app.page.screenshot({ path: 'test-results/screenshots/wallet-unavailable.png', fullPage: true });

    // The balance is unknown, so only the node can say whether it is enough: the node says why not.
    await wallet.send(PEER, '1', 'no ledger');
    await expect(wallet.sendError).toHaveAttribute('data-code', 'LEDGER_UNAVAILABLE');
    await expect(wallet.sendError).toContainText('Not sent. The Caesar ledger is unavailable.');
    await expect(wallet.sendError).toContainText('LEDGER_UNAVAILABLE');
    await expect(wallet.submitButton).toBeEnabled();
    await expectAccessible(app.page);
    await wallet.cancelButton.click();
    await expect(wallet.dialog).toHaveCount(0);
    expect(argsOf(calls, 'sendTokens')).toHaveLength(1);

    await wallet.lockStake('1', 30);
    await expect(wallet.stakeError).toHaveAttribute('data-code', 'LEDGER_UNAVAILABLE');
    await expect(wallet.stakeError).toContainText('The Caesar ledger is unavailable.');
  });

  test('send: errors by code; one requestId per dialog, kept for retries, so a double click sends once', async ({
    app,
  }) => {
    const status = await app.call<NodeStatus>('getStatus');
    const error = (code: string, message: string) => ({ error: { code, message } });
    const answers: Answer[] = [
      'abort',
      error('PEER_OFFLINE', 'no block producer is reachable'),
      error('INSUFFICIENT_BALANCE', 'available 1234.5, asked 2000'),
      error('UNKNOWN_RECIPIENT', 'no account abcd…'),
      error('LEDGER_UNAVAILABLE', 'the ledger is catching up'),
    ];
    const sent = tx({ txId: 'tx-new', amount: '2.5', status: 'pending', height: null, memo: 'e2e' });
    const calls = await stubNode(app.page, {
      getWallet: () => ({ value: walletOf(status) }),
      getWalletHistory: () => ({ value: [] }),
      getEarnings: ([days]) => ({ value: earningsFor(days as number) }),
      sendTokens: () => answers.shift() ?? { value: sent, delayMs: 1000 },
    });
    await app.ui.open('wallet');
    const wallet = app.ui.wallet();
    await expect(wallet.available).toHaveText('1,234.5 Caesar');

    // More than is available is refused before sending; the limit is exact.
    await wallet.openSend({ to: PEER, amount: '1234.50000001' });
    await expect(wallet.amountError).toHaveText('That is more than you have available (1,234.5 Caesar).');
    await wallet.fillSend({ amount: '1234.5' });
    await expect(wallet.amountError).toHaveCount(0);
    await wallet.fillSend({ amount: '2.5', memo: 'e2e' });
    await wallet.reviewButton.click();
    await expect(wallet.dialog.getByTestId('confirm-remaining')).toHaveText('1,232 Caesar');

    const requestIds = () => argsOf(calls, 'sendTokens').map((args) => (args[0] as { requestId: string }).requestId);
    const expectError = async (code: string, text: string | RegExp) => {
      await expect(wallet.sendError).toHaveAttribute('data-code', code);
      await expect(wallet.sendError).toContainText(text);
    };

    await wallet.submitButton.click();
    await expectError('', 'No answer from the node; nothing is known to be sent.');
    await wallet.submitButton.click();
    await expectError('PEER_OFFLINE', 'No peer is reachable to carry the transaction. no block producer is reachable');
    await expect(wallet.sendError).toContainText('PEER_OFFLINE');
    await wallet.submitButton.click();
    await expectError('INSUFFICIENT_BALANCE', 'Not enough Caesar available. available 1234.5, asked 2000');
    await wallet.submitButton.click();
    await expectError('UNKNOWN_RECIPIENT', 'Unknown recipient. no account abcd…');
    await wallet.submitButton.click();
    await expectError('LEDGER_UNAVAILABLE', 'The Caesar ledger is unavailable. the ledger is catching up');

    const ids = requestIds();
    expect(ids).toHaveLength(5);
    for (const id of ids) expect(id).toMatch(REQUEST_ID);
    // No answer and a peer offline may have left a transaction: the retries carry the same id.
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).toBe(ids[0]);
    // An outright refusal made nothing: the next attempt is a new request.
    expect(ids[3]).not.toBe(ids[2]);
    expect(ids[4]).not.toBe(ids[3]);
    for (const args of argsOf(calls, 'sendTokens')) {
      expect(args[0]).toMatchObject({ to: PEER, amount: '2.5', memo: 'e2e' });
    }

    // A double click sends once; the button is disabled while the request is on its way.
    await wallet.submitButton.dblclick();
    await expect(wallet.submitButton).toBeDisabled();
    await expect(wallet.submitButton).toHaveText('Sending…');
    await expect(wallet.sendDone).toContainText(
      `✓ 2.5 Caesar sent to ${PEER_SHORT}. It is pending until a block confirms it.`,
    );
    await expect(wallet.sendDone).toContainText('tx-new');
    expect(requestIds()).toHaveLength(6);
    expect(requestIds()[5]).not.toBe(ids[4]);
    await expectAccessible(app.page);
    await wallet.closeButton.click();
    await expect(wallet.dialog).toHaveCount(0);

    // A new dialog is a new request.
    await wallet.openSend({ to: PEER, amount: '1' });
    await wallet.reviewButton.click();
    await wallet.submitButton.click();
    await expect(wallet.sendDone).toBeVisible();
    expect(requestIds()).toHaveLength(7);
    expect(new Set(requestIds().slice(4)).size).toBe(3);
  });

  test('stake: lock with its own requestId, errors by code; unlock only once the lock has ended', async ({ app }) => {
    const status = await app.call<NodeStatus>('getStatus');
    let current = walletOf(status);
    const lockAnswers: Answer[] = [
      { error: { code: 'PEER_OFFLINE', message: 'no producer' } },
      { error: { code: 'STAKE_LOCKED', message: 'still locked' } },
    ];
    const calls = await stubNode(app.page, {
      getWallet: () => ({ value: current }),
      getWalletHistory: () => ({ value: [] }),
      getEarnings: ([days]) => ({ value: earningsFor(days as number) }),
      lockStake: () =>
        lockAnswers.shift() ?? { value: tx({ txId: 'tx-lock', kind: 'stake_lock', direction: 'none', amount: '10' }) },
      unlockStake: () => ({
        value: tx({ txId: 'tx-unlock', kind: 'stake_unlock', direction: 'none', amount: '100', status: 'pending' }),
      }),
    });
    await app.ui.open('wallet');
    const wallet = app.ui.wallet();
    await expect(wallet.stakeState).toContainText('100 Caesar locked until');
    await expect(wallet.unlockButton).toBeDisabled();

    await wallet.stakeAmount.fill('1234.50000001');
    await expect(wallet.stakeAmountError).toHaveText('That is more than you have available (1,234.5 Caesar).');
    await wallet.lockStake('10', 30);
    await expect(wallet.stakeError).toHaveAttribute('data-code', 'PEER_OFFLINE');
    await wallet.lockButton.click();
    await expect(wallet.stakeError).toHaveAttribute('data-code', 'STAKE_LOCKED');
    await expect(wallet.stakeError).toContainText('The stake is still locked. still locked');
    await wallet.lockButton.click();
    await expect(wallet.stakeResult).toHaveText('✓ Locked 10 Caesar; confirmed.');
    const locks = argsOf(calls, 'lockStake').map((args) => args[0] as { requestId: string });
    expect(locks).toHaveLength(3);
    for (const lock of locks) expect(lock).toMatchObject({ amount: '10', lockDays: 30, requestId: REQUEST_ID });
    expect(locks[1]?.requestId).toBe(locks[0]?.requestId); // PEER_OFFLINE: the retry is the same request
    expect(locks[2]?.requestId).not.toBe(locks[1]?.requestId); // STAKE_LOCKED: refused outright, a new one
    await expect(wallet.stakeAmount).toHaveValue('');

    // The lock ends: at the next poll the button is enabled, and unlocking sends an id of its own.
    current = walletOf(status, { stakeLockedUntil: new Date(Date.now() - 60_000).toISOString() });
    await expect(wallet.unlockButton).toBeEnabled({ timeout: 60_000 }); // the page polls every 5 s
    await expect(wallet.stake).toContainText('The lock has ended: you may unlock your stake.');
    await wallet.unlockButton.click();
    await expect(wallet.stakeResult).toHaveText('✓ Unlocked 100 Caesar; pending until a block confirms it.');
    const unlocks = argsOf(calls, 'unlockStake');
    expect(unlocks).toHaveLength(1);
    expect(unlocks[0]?.[0]).toMatch(REQUEST_ID);
    expect(locks.map((l) => l.requestId)).not.toContain(unlocks[0]?.[0]);
    await expectAccessible(app.page);
  });

  test('a wallet event from the node updates the page at once, without waiting for the next poll', async ({ app }) => {
    const status = await app.call<NodeStatus>('getStatus');
    let answered = false;
    await stubNode(app.page, {
      // The first answer, then none: whatever changes after comes from the event.
      getWallet: () => {
        if (answered) return 'hang';
        answered = true;
        return { value: walletOf(status) };
      },
      getWalletHistory: () => ({ value: [] }),
      getEarnings: ([days]) => ({ value: earningsFor(days as number) }),
    });
    let sendEvent: ((message: string) => void) | undefined;
    await app.page.routeWebSocket(/\/api\/events/, (ws) => {
      ws.connectToServer();
      sendEvent = (message) => ws.send(message);
    });
    await app.page.reload(); // the event stream is routed from its next connection on
    await app.ui.open('wallet');
    const wallet = app.ui.wallet();
    await expect(wallet.available).toHaveText('1,234.5 Caesar');
    await expect.poll(() => sendEvent !== undefined).toBe(true);
    const payload = walletOf(status, { available: '999.99999999', balance: '1005.49999999' });
    sendEvent?.(JSON.stringify({ event: 'wallet', payload }));
    // Polls hang after the first answer, so only the event can bring this value: no short timeout is needed to prove it.
    await expect(wallet.available).toHaveText('999.99999999 Caesar');
    await expect(wallet.balance).toHaveText('1,005.49999999 Caesar');
  });
});

/* ---------------------------------------------------------------------------------------------------------------
 * With a running ledger: the `ca` fixture (the genesis authority, which produces the blocks) and two nodes A and B,
 * certified by it and meshed through it, as in test/mesh/ledger.test.ts. Nothing is allocated at genesis: A earns its
 * Caesar from B's usage receipts for A's memory, then pays from its own Wallet page.
 * ------------------------------------------------------------------------------------------------------------- */

/** Ledger sync, blocks and confirmations: a few seconds each on a loaded 2-core machine. */
const LEDGER_TIMEOUT = 90_000;
const MIB = 2 ** 20;

interface Member {
  readonly name: string;
  readonly node: NodeProcess;
  readonly id: NodeStatus;
  readonly page: Page;
  readonly ui: AppPage;
  readonly wallet: WalletPage;
}

const walletOfNode = (node: NodeProcess) => node.call<WalletView>('getWallet');

/** Points a node at the CA (certificate and mesh bootstrap) and waits until it holds the CA's genesis block. */
async function join(node: NodeProcess, caAddress: string, genesis: string): Promise<void> {
  await node.call('updateSettings', [{ trust: { caAddress }, mesh: { bootstrap: caAddress, mdns: false } }]);
  await expect
    .poll(async () => (await walletOfNode(node)).ledger.genesisHash, { timeout: LEDGER_TIMEOUT })
    .toBe(genesis);
}

async function attachWallets(testInfo: TestInfo, nodes: Record<string, NodeProcess>): Promise<void> {
  for (const [name, node] of Object.entries(nodes)) {
    const read = async (method: string, args: unknown[] = []) =>
      node.call<unknown>(method, args).catch((err: Error) => `(${method} failed: ${err.message})`);
    const report = {
      wallet: await read('getWallet'),
      history: await read('getWalletHistory', [{}]),
      leases: await read('getRemoteAllocations'),
      ledgerLog: await read('getLogs', [{ text: 'ledger', minLevel: 'debug', limit: 300 }]),
    };
    await testInfo.attach(`${name}-wallet.json`, {
      body: JSON.stringify(report, null, 2),
      contentType: 'application/json',
    });
    await testInfo.attach(`${name}-stderr.txt`, { body: node.stderr, contentType: 'text/plain' });
  }
}

const ledgerTest = test.extend<{
  /** A and B on the CA's ledger, in sync, each with its UI open; A already holds Caesar it earned from B. */
  ledger: { readonly ca: NodeProcess; readonly a: Member; readonly b: Member; readonly earned: WalletView };
}>({
  ledger: async ({ ca, browser }, use, testInfo) => {
    const caAddress = await ca.stoqAddress();
    await ca.call('updateSettings', [{ mesh: { mdns: false } }]);
    const processes = [new NodeProcess(newDataDir()), new NodeProcess(newDataDir())] as const;
    const contexts: BrowserContext[] = [];
    const errors: string[] = [];
    let failed = true;
    try {
      // Usage receipts every 2 s (the default is minutes), so that earning takes seconds.
      await Promise.all(processes.map((p) => p.start(['--receipt-interval', '2'])));
      let genesis = '';
      await expect
        .poll(async () => (genesis = (await walletOfNode(ca)).ledger.genesisHash ?? ''), { timeout: LEDGER_TIMEOUT })
        .not.toBe('');
      await Promise.all(processes.map((p) => join(p, caAddress, genesis)));
      const [a, b] = (await Promise.all(
        processes.map(async (node, i): Promise<Member> => {
          const name = i === 0 ? 'A' : 'B';
          const opened = await openUi(browser, node, errors, name);
          contexts.push(opened.context);
          const ui = new AppPage(opened.page);
          const id = await node.call<NodeStatus>('getStatus');
          return { name, node, id, page: opened.page, ui, wallet: ui.wallet() };
        }),
      )) as [Member, Member];
      const earned = await earn(a, b);
      await use({ ca, a, b, earned });
      failed = testInfo.status !== testInfo.expectedStatus;
    } finally {
      if (failed) await attachWallets(testInfo, { CA: ca, A: processes[0], B: processes[1] });
      for (const context of contexts) await context.close();
      await Promise.all(processes.map((p) => p.stop()));
      for (const p of processes) rmSync(p.dataDir, { recursive: true, force: true });
    }
    if (errors.length > 0) throw new Error(`errors in the pages:\n${errors.join('\n')}`);
  },
});

/**
 * `earner` shares memory publicly and `consumer` leases 64 MiB of it for 20 s; `consumer`'s node signs a usage receipt
 * every 2 s, each paid to `earner` as a reward. Resolves with `earner`'s wallet once the lease is over and every
 * reward is confirmed, so that its balance no longer moves by itself.
 */
async function earn(earner: Member, consumer: Member): Promise<WalletView> {
  await earner.node.call('updateSettings', [
    { privacyLevel: 'FullPublic', allocationType: 'Public', allocation: { memory: 2 } },
  ]);
  let lease: RemoteAllocationView | undefined;
  await expect
    .poll(
      async () => {
        const found = await consumer.node.call<RemoteAssetView[]>('searchAssets', [{ kind: 'memory' }]);
        const memory = found.find((asset) => asset.owner === earner.id.nodeId);
        if (!memory) return 'not found yet';
        lease = await consumer.node
          .call<RemoteAllocationView>('allocateRemote', [
            { assetId: memory.assetId, amount: 64 * MIB, durationMs: 20_000 },
          ])
          .catch(() => undefined);
        return lease ? 'leased' : 'not leased yet';
      },
      { timeout: LEDGER_TIMEOUT, intervals: [1000] },
    )
    .toBe('leased');
  const ends = Date.parse(lease?.expiresAt ?? '');
  let last = '';
  let wallet: WalletView | undefined;
  await expect
    .poll(
      async () => {
        wallet = await walletOfNode(earner.node);
        const settled =
          Date.now() > ends + 3000 &&
          wallet.pendingIn === '0' &&
          wallet.ledger.mempool === 0 &&
          parseAmount(wallet.earnedTotal) > 0n &&
          wallet.earnedTotal === last;
        last = wallet.earnedTotal;
        return settled;
      },
      { timeout: LEDGER_TIMEOUT, intervals: [2000] },
    )
    .toBe(true);
  await earner.node.call('updateSettings', [{ privacyLevel: 'Private' }]);
  if (!wallet) throw new Error('no wallet');
  return wallet;
}

/** How a balance moved, exactly (bigint base units), with any rewards that came in meanwhile taken out. */
function moved(before: WalletView, after: WalletView): string {
  const rewards = parseAmount(after.earnedTotal) - parseAmount(before.earnedTotal);
  return formatAmount(parseAmount(after.balance) - parseAmount(before.balance) - rewards);
}

/** A fraction of an amount, rounded down to a base unit: `part('1', 3)` → "0.33333333". */
const part = (amount: string, divisor: bigint) => formatAmount(parseAmount(amount) / divisor);

test.describe('Wallet with a running ledger', () => {
  test.skip(({ target }) => target !== 'web', 'runs a CA node and two headless nodes, each in its own process');
  test.describe.configure({ timeout: 300_000 });

  // One CA and two nodes for all three: setting up a ledger with earnings takes most of a minute.
  ledgerTest(
    'A earns, pays B from its Wallet page; the node\u2019s refusals show by code; stake locks and waits',
    async ({ ledger }) => {
      await test.step('A pays B from its Wallet page: pending, then confirmed on both sides; balances move by exactly the amount', async () => {
        const { a, b, earned } = ledger;
        const amount = part(earned.available, 3n);
        const memo = `e2e transfer ${Date.now()}`;
        const before = { a: earned, b: await walletOfNode(b.node) };
        // The earnings A's page shows are what the ledger says it earned.
        await a.ui.open('wallet');
        await expect(a.wallet.earned).toHaveText(caesar(earned.earnedTotal));
        await expect(a.wallet.available).toContainText(caesar(earned.available));
        await expect(a.wallet.historyRows.filter({ hasText: 'Reward' }).first()).toBeVisible();
        await expect(a.wallet.ledgerState).toHaveAttribute('data-state', 'synced');

        await a.wallet.openSend({ to: b.id.nodeId, amount, memo });
        await a.wallet.reviewButton.click();
        await expect(a.wallet.confirmTo).toContainText(b.id.nodeIdShort);
        await expect(a.wallet.confirmTo).toContainText(b.id.nodeId);
        await expect(a.wallet.confirmAmount).toHaveText(caesar(amount));
        // A double click sends once.
        await a.wallet.submitButton.dblclick();
        await expect(a.wallet.sendDone).toContainText(`✓ ${caesar(amount)} sent to ${b.id.nodeIdShort}.`);
        await a.wallet.closeButton.click();

        const sent = (await a.node.call<WalletTxView[]>('getWalletHistory', [{ kind: 'transfer' }])).filter(
          (t) => t.memo === memo,
        );
        expect(sent).toHaveLength(1);
        const txId = sent[0]?.txId ?? '';
        expect(sent[0]).toMatchObject({ direction: 'out', counterparty: b.id.nodeId, amount });

        // The row is there at once, pending or already in a block, and then confirmed.
        const row = a.wallet.historyRow(txId);
        await expect(row.getByTestId('tx-status')).toHaveText(/^(… Pending|✓ Confirmed)$/);
        await expect(row.getByTestId('tx-amount')).toHaveText(`−${amount}`);
        await expect(row.getByTestId('tx-counterparty')).toHaveText(b.id.nodeIdShort);
        await expect(row.getByTestId('tx-memo')).toHaveText(memo);
        await expect(row.getByTestId('tx-status')).toHaveText('✓ Confirmed', { timeout: LEDGER_TIMEOUT });
        await expect(row.getByTestId('tx-height')).toHaveText(/^\d[\d,]*$/);

        // Both balances moved by exactly the amount, and the pages say what the ledger says.
        await expect
          .poll(async () => moved(before.b, await walletOfNode(b.node)), { timeout: LEDGER_TIMEOUT })
          .toBe(amount);
        const after = await walletOfNode(a.node);
        expect(moved(before.a, after)).toBe(`-${amount}`);
        await expect(a.wallet.balance).toHaveText(caesar(after.balance));
        await expect(a.wallet.pendingOut).toHaveText('0 Caesar');

        await b.ui.open('wallet');
        await expect(b.wallet.balance).toHaveText(caesar((await walletOfNode(b.node)).balance));
        const incoming = b.wallet.historyRow(txId);
        await expect(incoming.getByTestId('tx-status')).toHaveText('✓ Confirmed', { timeout: LEDGER_TIMEOUT });
        await expect(incoming.getByTestId('tx-amount')).toHaveText(`+${amount}`);
        await expect(incoming.getByTestId('tx-direction')).toHaveText('In');
        await expect(incoming.getByTestId('tx-counterparty')).toHaveText(a.id.nodeIdShort);
        await expect(incoming.getByTestId('tx-counterparty').getByText(a.id.nodeIdShort)).toHaveAttribute(
          'title',
          a.id.nodeId,
        );
        await b.wallet.filterHistory({ direction: 'in' });
        await expect(b.wallet.historyRow(txId)).toBeVisible();
        await b.wallet.filterHistory({ direction: 'out' });
        await expect(b.wallet.historyRow(txId)).toHaveCount(0);
        await expectAccessible(b.page);
        await b.page.screenshot({ path: 'test-results/screenshots/wallet-received.png', fullPage: true });
      });
      await test.step('the node’s refusals on sending are shown by code: UNKNOWN_RECIPIENT, INSUFFICIENT_BALANCE', async () => {
        const { a, b } = ledger;
        const earned = await walletOfNode(a.node);
        const outBefore = await a.node.call<WalletTxView[]>('getWalletHistory', [
          { kind: 'transfer', direction: 'out' },
        ]);
        await a.ui.open('wallet');
        await expect(a.wallet.available).toContainText(caesar(earned.available));

        // A well-formed NodeId that neither this node nor the ledger knows.
        await a.wallet.send(PEER, part(earned.available, 10n));
        await expect(a.wallet.sendError).toHaveAttribute('data-code', 'UNKNOWN_RECIPIENT');
        await expect(a.wallet.sendError).toContainText('Not sent. Unknown recipient.');
        await a.wallet.cancelButton.click();

        // Review all that is available, then spend a base unit of it elsewhere before confirming.
        await a.wallet.openSend({ to: b.id.nodeId, amount: earned.available });
        await a.wallet.reviewButton.click();
        await expect(a.wallet.confirmAmount).toHaveText(caesar(earned.available));
        await a.node.call('sendTokens', [{ to: b.id.nodeId, amount: '0.00000001', requestId: `e2e-${Date.now()}` }]);
        await expect(a.wallet.dialog.getByTestId('confirm-warning')).toContainText('more than you now have available');
        await a.wallet.submitButton.click();
        await expect(a.wallet.sendError).toHaveAttribute('data-code', 'INSUFFICIENT_BALANCE');
        await expect(a.wallet.sendError).toContainText('Not sent. Not enough Caesar available.');
        await expectAccessible(a.page);
        await a.wallet.cancelButton.click();
        // Of all this, only the one base unit sent behind the dialog's back left the wallet.
        const out = await a.node.call<WalletTxView[]>('getWalletHistory', [{ kind: 'transfer', direction: 'out' }]);
        const known = new Set(outBefore.map((t) => t.txId));
        expect(out.filter((t) => !known.has(t.txId)).map((t) => t.amount)).toEqual(['0.00000001']);
      });
      await test.step('stake: a lock shows in the balance and the history; unlocking waits for the lock to end', async () => {
        const { a } = ledger;
        const earned = await walletOfNode(a.node);
        const amount = part(earned.available, 4n);
        await a.ui.open('wallet');
        await expect(a.wallet.stakeState).toHaveText('No stake locked.');
        await a.wallet.lockStake(amount, 2);
        await expect(a.wallet.stakeResult).toContainText(`✓ Locked ${caesar(amount)}`);
        await expect(a.wallet.staked).toContainText(`${caesar(amount)}, locked until`, { timeout: LEDGER_TIMEOUT });
        await expect(a.wallet.staked).toContainText(/\(in (1 d 23 h|2 d 0 h)\)/);
        await expect(a.wallet.unlockButton).toBeDisabled();
        const lock = a.wallet.historyRows.filter({ hasText: 'Stake locked' }).first();
        await expect(lock.getByTestId('tx-direction')).toHaveText('—');
        await expect(lock.getByTestId('tx-amount')).toHaveText(amount);
        await expect(lock.getByTestId('tx-status')).toHaveText('✓ Confirmed', { timeout: LEDGER_TIMEOUT });
        const after = await walletOfNode(a.node);
        expect(after.staked).toBe(amount);
        expect(Date.parse(after.stakeLockedUntil ?? '') - Date.now()).toBeGreaterThan(47 * HOUR);
        // Unlocking early is the node's to refuse too.
        const early = await ask<WalletTxView>(a.page, 'unlockStake', [`e2e-early-${Date.now()}`]);
        expect(early.ok ? 'unlocked' : early.error.code).toBe('STAKE_LOCKED');
      });
    },
  );
});
