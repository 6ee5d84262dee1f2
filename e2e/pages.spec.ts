import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures';
import { PAGE_TITLES, type PageName } from './support/app-page';

/** What each page must show: real content, or an honest empty state for a subsystem this version lacks. */
const EXPECTED: Record<PageName, RegExp> = {
  dashboard: /What you share/,
  sharing: /Privacy level/,
  assets: /No assets are registered/,
  network: /STOQ transport/,
  certificates: /No certificates yet/,
  memory: /No remote memory is mapped/,
  wallet: /No Caesar balance yet/,
  logs: /node .* started/,
  settings: /The node keeps its identity, settings and logs in/,
};

async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

for (const name of Object.keys(PAGE_TITLES) as PageName[]) {
  test(`page ${name}: content, accessibility, screenshot`, async ({ app, target }, testInfo) => {
    await app.ui.open(name);
    await expect(app.page.getByRole('main')).toContainText(EXPECTED[name]);
    await expectAccessible(app.page);
    const shot = await app.page.screenshot({ fullPage: true });
    await testInfo.attach(`${name}.png`, { body: shot, contentType: 'image/png' });
    if (target === 'web') await app.page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
  });
}

test('dark theme: every page stays accessible', async ({ app }) => {
  // "Follow the system" switches live with the OS setting.
  await app.page.emulateMedia({ colorScheme: 'dark' });
  await expect(app.page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await app.page.emulateMedia({ colorScheme: 'light' });
  await expect(app.page.locator('html')).toHaveAttribute('data-theme', 'light');
  await app.ui.open('settings');
  await app.page.getByTestId('theme').selectOption('dark');
  await expect(app.page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect((await app.call<{ app: { theme: string } }>('getSettings')).app.theme).toBe('dark');
  for (const name of Object.keys(PAGE_TITLES) as PageName[]) {
    await app.ui.open(name);
    await expectAccessible(app.page);
  }
  await app.page.screenshot({ path: 'test-results/screenshots/sharing-dark.png', fullPage: true });
});

test('internal names open their pages', async ({ app }) => {
  const box = app.page.getByLabel('Open a HyperMesh address');
  for (const [url, title] of [
    ['http3://caesar', 'Wallet'],
    ['http3://trust', 'Certificates'],
    ['http3://assets', 'Assets'],
    ['http3://hypermesh', 'Dashboard'],
  ] as const) {
    await box.fill(url);
    await box.press('Enter');
    await expect(app.ui.heading()).toHaveText(title);
  }
  await box.fill('http3://nowhere');
  await box.press('Enter');
  await expect(app.page.getByText('"http3://nowhere" is not a HyperMesh name')).toBeVisible();
});

test('logs are searchable', async ({ app }) => {
  await app.call('updateSettings', [{ allocation: { storage: 7 } }]);
  await app.ui.open('logs');
  await app.page.getByRole('searchbox', { name: 'Search' }).fill('settings changed');
  await expect(app.page.getByTestId('log-table')).toContainText('"storage":7');
  const [download] = await Promise.all([
    app.page.waitForEvent('download'),
    app.page.getByRole('button', { name: 'Download' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^hypermesh-log-.*\.txt$/);
  const { readFile } = await import('node:fs/promises');
  expect(await readFile(await download.path(), 'utf8')).toContain('"storage":7');
  await app.page.getByRole('searchbox', { name: 'Search' }).fill('no such line anywhere');
  await expect(app.page.getByText('No log entries match.')).toBeVisible();
});
