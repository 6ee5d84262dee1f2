import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from '@playwright/test';
import type { ActivityItem, ReceiptTrail, Reconciliation } from '../src/shared/activity';
import { formatAmount, parseAmount } from '../src/shared/amount';
import type { NodeStatus } from '../src/shared/api/contract';
import type { RemoteAssetView } from '../src/shared/mesh';
import type { JobResultView } from '../src/shared/vm';
import { expectAccessible } from './support/a11y';
import { AppPage } from './support/app-page';
import { CA_NAME, expect, test } from './support/fixtures';
import { joinCa, openUi } from './support/peers';
import { readmeShot } from './support/readme-shots';
import { NodeProcess, newDataDir } from './support/node-process';

/*
 * The Activity page and the Dashboard's "Running on this machine now" between real nodes: a CA, a provider that
 * shares CPU and memory publicly, and a consumer, each its own `hypermesh` process on ::1. The consumer runs a job on
 * the provider; the provider's pages show it, what it earned, its receipt trail, and a wallet that adds up.
 */

/** Certification, mesh discovery, leases, the job, its receipt and the reward's block: seconds each on 2 cores. */
const MESH_TIMEOUT = 180_000;
/** The reward needs the leases recorded on the ledger first (the provider's next record round), then a block. */
const REWARD_TIMEOUT = 180_000;
const MIB = 2 ** 20;

test.describe('Activity: a provider sees what runs on it, what it earned, and why', () => {
  test.skip(({ target }) => target !== 'web', 'runs a CA node and two headless nodes, each in its own process');
  test.describe.configure({ timeout: 600_000 });

  let ca: NodeProcess | undefined;
  let processes: readonly NodeProcess[] = [];
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];

  test.afterAll(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await Promise.all(processes.map((p) => p.stop()));
    for (const p of processes) rmSync(p.dataDir, { recursive: true, force: true });
    if (ca) {
      await ca.stop();
      rmSync(ca.dataDir, { recursive: true, force: true });
    }
  });

  test('the consumer runs a job on the provider: Dashboard, Activity, earnings, receipt trail, reconciliation', async ({
    browser,
  }) => {
    ca = new NodeProcess(newDataDir());
    // The provider starts as a newcomer's app does: on the first-run guide.
    const provider = new NodeProcess(newDataDir(), { showOnboarding: true });
    const consumer = new NodeProcess(newDataDir());
    processes = [provider, consumer];
    await ca.start(['--name', CA_NAME], ['trust', 'serve']);
    const caAddress = await ca.stoqAddress();
    await ca.call('updateSettings', [{ mesh: { mdns: false } }]);
    await Promise.all(processes.map((p) => p.start()));
    await Promise.all(processes.map((p) => joinCa(p, caAddress, MESH_TIMEOUT)));
    const providerId = await provider.call<NodeStatus>('getStatus');
    const consumerId = await consumer.call<NodeStatus>('getStatus');
    const opened = await openUi(browser, provider, errors, 'provider');
    contexts.push(opened.context);
    const page: Page = opened.page;
    const ui = new AppPage(page);

    await test.step('onboarding on the provider: the benchmark, the earnings preview, a level and shares', async () => {
      const preview = await ui.completeOnboarding({
        level: 'FullPublic',
        shares: { cpu: 50, memory: 10 },
        atPreview: () => readmeShot(page, 'onboarding', { fullPage: false }),
      });
      expect(preview).toMatch(/Caesar/);
      await expect(ui.heading()).toHaveText('Dashboard');
      const chosen = await provider.call<{ privacyLevel: string; allocation: Record<string, number> }>('getSettings');
      expect(chosen.privacyLevel).toBe('FullPublic');
      expect(chosen.allocation).toMatchObject({ cpu: 50, memory: 10 });
    });

    await test.step('before anything ran: the Activity page says why it is empty and what to do', async () => {
      await ui.open('activity');
      // The guide turned sharing on: the page says so, instead of asking to share.
      await expect(page.getByTestId('activity-empty')).toContainText('appears here as soon as one uses them');
      await expect(page.getByRole('link', { name: 'Marketplace', exact: true }).last()).toBeVisible();
    });

    await test.step('the provider shares CPU and memory publicly; the consumer finds them', async () => {
      // The level and shares came from the guide; offers under the NodeId are Public.
      await provider.call('updateSettings', [{ allocationType: 'Public' }]);
      await expect
        .poll(
          async () => {
            const cpu = await consumer.call<RemoteAssetView[]>('searchAssets', [{ kind: 'cpu' }]);
            const memory = await consumer.call<RemoteAssetView[]>('searchAssets', [{ kind: 'memory' }]);
            const c = cpu.find((a) => a.owner === providerId.nodeId);
            const m = memory.find((a) => a.owner === providerId.nodeId);
            return !!c && !!m && c.capacity.allowed >= 1 && m.capacity.allowed >= 64 * MIB;
          },
          { timeout: MESH_TIMEOUT, intervals: [1000] },
        )
        .toBe(true);
    });

    const result = await consumer.call<JobResultView>('runJob', [
      {
        kind: 'js',
        code: Buffer.from('print(input.toUpperCase())').toString('base64'),
        input: { data: Buffer.from('activity').toString('base64') },
        providers: [providerId.nodeId],
      },
    ]);
    expect(result.job.status).toBe('completed');
    const jobId = `job:${result.job.jobId}`;
    const consumerShort = consumerId.nodeIdShort;

    await test.step("the provider's Dashboard: its leases for the consumer run on this machine now", async () => {
      await ui.open('dashboard');
      const card = page.getByTestId('running-now');
      await expect(card.getByRole('heading', { name: 'Running on this machine now' })).toBeVisible();
      const items = card.getByTestId('running-now-item');
      await expect(items.filter({ hasText: consumerShort }).first()).toBeVisible({ timeout: MESH_TIMEOUT });
      await expect(
        items
          .filter({ hasText: /Lease for/ })
          .filter({ hasText: /CPU \d+ core/ })
          .first(),
      ).toBeVisible();
      // What the card says is what the node says is running for others.
      const running = await provider.call<ActivityItem[]>('getActivity', [
        { direction: 'for-others', state: 'running' },
      ]);
      await expect(items).toHaveCount(running.length);
    });

    await test.step('the Activity page lists the job, done, for the consumer', async () => {
      await ui.open('activity');
      const row = page.locator(`[data-testid="activity-row"][data-id="${jobId}"]`);
      await expect(row).toBeVisible({ timeout: MESH_TIMEOUT });
      await expect(row).toHaveAttribute('data-state', 'done');
      await expect(row).toContainText(consumerShort);
      await expect(row.getByTestId('activity-result')).toHaveText('OK');
      await expect(row.getByTestId('activity-resources')).toContainText('CPU 1 core');
      // The filters narrow it down: jobs only, then by others (none ran for this node).
      await page.getByLabel('Kind').selectOption('job');
      await expect(page.getByTestId('activity-row')).toHaveCount(1);
      await page.getByLabel('Direction').selectOption('by-others');
      await expect(page.getByTestId('activity-empty')).toContainText('Set a filter back to Any');
      await page.getByLabel('Direction').selectOption('');
      await page.getByLabel('Kind').selectOption('');
    });

    let trail: ReceiptTrail | undefined;
    await test.step('its earnings appear once the reward is in a block', async () => {
      await expect
        .poll(
          async () => {
            const t = await provider.call<ReceiptTrail>('getReceiptTrail', [jobId]);
            const rec = await provider.call<Reconciliation>('getReconciliation');
            // Every receipt paid, and nothing else paid this wallet: the rewards line is the trail's sum.
            const settled =
              t.entries.length > 0 &&
              t.entries.every((e) => e.tx.status === 'confirmed') &&
              rec.lines.find((l) => l.key === 'rewards')?.amount === t.total;
            trail = settled ? t : undefined;
            return settled;
          },
          { timeout: REWARD_TIMEOUT, intervals: [2000] },
        )
        .toBe(true);
      const row = page.locator(`[data-testid="activity-row"][data-id="${jobId}"]`);
      await expect(row.getByTestId('activity-earnings')).toHaveAttribute('data-paid', trail!.total);
      expect(parseAmount(trail!.total)).toBeGreaterThan(0n);
    });

    await test.step('its receipt trail opens: each receipt, the formula with its numbers, the tx and block', async () => {
      const row = page.locator(`[data-testid="activity-row"][data-id="${jobId}"]`);
      await row.getByTestId('open-trail').click();
      const view = page.getByTestId('receipt-trail');
      await expect(view).toHaveAttribute('data-trail-id', jobId);
      const rows = view.getByTestId('trail-row');
      await expect(rows).toHaveCount(trail!.entries.length);
      const first = trail!.entries[0]!;
      await expect(rows.first().getByTestId('trail-formula')).toContainText(
        `× ${first.formula.weight} × ${first.formula.privacyMultiplier} (FullPublic)`,
      );
      // The amount in its unit ("256 MiB of memory", "1 core"), the raw number in the formula.
      await expect(rows.first().getByTestId('trail-resource')).toHaveText(
        first.resource === 'cpu' ? /^\d+ cores?$/ : new RegExp(`^[\\d.]+ (B|KiB|MiB|GiB|TiB) of ${first.resource}$`),
      );
      await expect(rows.first()).toContainText(`#${first.block!.height}`);
      await expect(rows.first()).toContainText(first.tx.txId.slice(0, 12));
      await expect(view.getByTestId('trail-total')).toContainText(`${trail!.total} Caesar`);
      // The payouts shown add up to the total shown.
      const payouts = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-payout') ?? '0'));
      expect(formatAmount(payouts.reduce((t, p) => t + parseAmount(p), 0n))).toBe(trail!.total);
      await expectAccessible(page);
    });

    await test.step("the wallet adds up: the trail's payouts are the rewards line, the total is the balance", async () => {
      const rec = await provider.call<Reconciliation>('getReconciliation');
      expect(rec.addsUp).toBe(true);
      const rewards = page.getByTestId('rec-rewards');
      await expect(rewards).toHaveAttribute('data-amount', trail!.total);
      expect(rec.lines.find((l) => l.key === 'rewards')?.amount).toBe(trail!.total);
      await expect(page.getByTestId('rec-verdict')).toHaveAttribute('data-adds-up', 'true');
      await expect(page.getByRole('heading', { name: 'Your wallet adds up' })).toBeVisible();
      const wallet = await provider.call<{ balance: string }>('getWallet');
      expect(wallet.balance).toBe(rec.expectedBalance);
      await readmeShot(page, 'activity');
    });

    await test.step("the README's pictures of the provider's other everyday pages, with real data", async () => {
      await ui.open('dashboard');
      await expect(page.getByTestId('running-now-item').first()).toBeVisible();
      await readmeShot(page, 'dashboard');
      await ui.open('wallet');
      await expect(page.getByRole('main')).toContainText('Balance');
      await readmeShot(page, 'wallet');
      await ui.open('network');
      await expect(page.getByRole('main')).toContainText(consumerShort);
      await readmeShot(page, 'network');
      await ui.open('sharing');
      await readmeShot(page, 'sharing');
      await provider.call('updateSettings', [{ app: { theme: 'dark' } }]);
      await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
      await readmeShot(page, 'sharing-dark');
      await provider.call('updateSettings', [{ app: { theme: 'system' } }]);
      await ui.open('assets');
      await readmeShot(page, 'assets');
      await ui.open('logs');
      await readmeShot(page, 'logs');
      expect(errors, 'errors in the page').toEqual([]);
    });
  });
});
