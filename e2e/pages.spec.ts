import { expectAccessible } from './support/a11y';
import { CERTIFIED_TIMEOUT, expect, test } from './support/fixtures';
import { PAGE_TITLES, type PageName } from './support/app-page';

/** What each page must show: real content, or an honest empty state for a subsystem this version lacks. */
const EXPECTED: Record<PageName, RegExp> = {
  dashboard: /What you share/,
  sharing: /Privacy level/,
  // Nothing ran on a lone node: the empty history says why and what to do.
  activity: /History[\s\S]*Nothing has run here yet[\s\S]*Sharing/,
  // Nothing is shared by default: the real hardware, each resource "Not shared".
  assets: /Everything this node shares is an asset[\s\S]*CPU[\s\S]*Not shared/,
  // Nothing is announced on a lone node: the search form, an honest empty result, no leases.
  marketplace: /Find resources[\s\S]*My leases on peers' assets/,
  network: /Mesh[\s\S]*STOQ transport/,
  // Out of the box the node asks the HyperMesh CA, whose name does not resolve here: not certified, and why.
  certificates: /TrustChain status[\s\S]*Certificate authority/,
  // Nothing is mapped on a lone node: both sections say so, and the form to allocate remote memory.
  memory:
    /Mappings this node provides[\s\S]*No mappings yet[\s\S]*No remote memory is mapped[\s\S]*Allocate remote memory/,
  // The Run a job form, and both job lists (empty on a lone node, or why the node could not list them).
  jobs: /Run a job[\s\S]*Jobs I ran[\s\S]*Jobs run for others/,
  // The balance (or why there is none: no ledger yet), and this node's address to be paid at.
  wallet: /Balance[\s\S]*Receive[\s\S]*Your address/,
  logs: /node .* started/,
  settings: /The node keeps its identity, settings and logs in/,
};

for (const name of Object.keys(PAGE_TITLES) as PageName[]) {
  test(`page ${name}: content, accessibility, screenshot`, async ({ app, target }, testInfo) => {
    // Light here; the dark theme's pass over every page is the next test.
    await app.page.emulateMedia({ colorScheme: 'light' });
    await expect(app.page.locator('html')).toHaveAttribute('data-theme', 'light');
    await app.ui.open(name);
    await expect(app.page.getByRole('main')).toContainText(EXPECTED[name]);
    await expectAccessible(app.page);
    const shot = await app.page.screenshot({ fullPage: true });
    await testInfo.attach(`${name}.png`, { body: shot, contentType: 'image/png' });
    if (target === 'web') await app.page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
  });
}

test('dark theme: every page stays accessible', async ({ app }) => {
  test.setTimeout(300_000); // axe on eleven pages, on a loaded machine: a bound, not an expectation
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

test('certificates page: accessible with TrustChain off and when certified, light and dark', async ({
  app,
  ca,
  target,
}) => {
  test.setTimeout(240_000); // a second node generates CA keys, then axe twice: a bound, not an expectation
  const certificates = app.ui.certificates();
  await app.call('updateSettings', [{ trust: { caAddress: '' } }]);
  await app.ui.open('certificates');
  await expect(certificates.state).toHaveText(/Off/);
  await expectAccessible(app.page);
  if (target === 'web')
    await app.page.screenshot({ path: 'test-results/screenshots/certificates-off.png', fullPage: true });

  await app.call('updateSettings', [{ trust: { caAddress: await ca.stoqAddress() } }]);
  await expect(certificates.state).toHaveText(/Certified/, { timeout: CERTIFIED_TIMEOUT });
  await expect(certificates.chain).toHaveCount(3);
  await expectAccessible(app.page);
  await app.page.emulateMedia({ colorScheme: 'dark' });
  await expect(app.page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expectAccessible(app.page);
  if (target === 'web')
    await app.page.screenshot({ path: 'test-results/screenshots/certificates-dark.png', fullPage: true });
});

test('keyboard: Tab walks the everyday pages, then the Advanced group, and Enter opens a page', async ({ app }) => {
  const nav = app.page.getByRole('navigation', { name: 'Pages' });
  const everyday = ['Dashboard', 'Sharing', 'Activity', 'Wallet'];
  const advanced = ['Marketplace', 'Jobs', 'Memory proxy', 'Assets', 'Network', 'Certificates', 'Logs', 'Settings'];
  await expect(nav.getByRole('list', { name: 'Everyday' }).getByRole('link')).toHaveText(everyday);
  await expect(nav.getByRole('list', { name: 'Advanced' }).getByRole('link')).toHaveText(advanced);
  await nav.getByRole('link', { name: 'Dashboard' }).focus();
  for (const title of [...everyday, ...advanced]) {
    await expect(app.page.locator(':focus')).toHaveText(title);
    if (title === 'Wallet' || title === 'Network') {
      await app.page.keyboard.press('Enter');
      await expect(app.ui.heading()).toHaveText(title);
      await expect(app.page.locator(':focus')).toHaveText(title);
    }
    await app.page.keyboard.press('Tab');
  }
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
