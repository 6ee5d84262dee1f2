import type { Settings } from '../src/shared/settings';
import { expectAccessible } from './support/a11y';
import { expect, test } from './support/fixtures';
import { MESH_TIMEOUT, joinCa } from './support/peers';

/** Certification and mesh discovery take a few seconds each on a loaded machine: generous bounds, nothing timed. */

test('dashboard: peers connected through the mesh show, and no sentence says there are none', async ({
  app,
  node,
  ca,
  target,
}) => {
  test.skip(target !== 'web', 'the second node and the CA are separate processes of the web project');
  test.setTimeout(240_000);
  const caAddress = await ca.stoqAddress();
  await ca.call('updateSettings', [{ mesh: { mdns: false } }]);
  await joinCa(node, caAddress, MESH_TIMEOUT);
  await app.call('updateSettings', [{ trust: { caAddress }, mesh: { bootstrap: caAddress, mdns: false } }]);
  await app.ui.open('dashboard');
  const peers = app.page.getByTestId('dashboard-peers');
  await expect(peers).toHaveText(/^\d+ peers? connected\.$/, { timeout: MESH_TIMEOUT });
  await expect(app.page.getByRole('main')).not.toContainText(/No peer is connected|comes with the mesh/);
  await expect(app.page.getByTestId('dashboard-reachability')).toBeVisible();
  await expect(app.page.getByTestId('dashboard-ledger')).not.toBeEmpty();
  await expectAccessible(app.page);
  await app.page.screenshot({ path: 'test-results/screenshots/dashboard-peers.png', fullPage: true });
});

test('toasts: pausing sharing shows one; with the kind turned off in Settings, the next pause shows none', async ({
  app,
  target,
}) => {
  test.skip(target !== 'web', 'the desktop app shows system notifications instead (src/main/desktop-app.test.ts)');
  await app.call('updateSettings', [{ privacyLevel: 'P2P', allocation: { cpu: 25 } }]);
  await app.ui.open('dashboard');
  await expect(app.page.getByTestId('sharing-state')).toHaveText('Sharing');
  await app.page.getByRole('button', { name: 'Pause until I resume' }).click();
  const toast = app.page.getByTestId('toast').filter({ hasText: 'Sharing paused' });
  await expect(toast).toBeVisible();
  // A toast stays while the pointer is on it (it hides itself after a while otherwise).
  await toast.hover();
  await expectAccessible(app.page);
  await app.page.emulateMedia({ colorScheme: 'dark' });
  await expectAccessible(app.page);
  await toast.getByRole('button', { name: /^Dismiss/ }).click();
  await expect(toast).toHaveCount(0);

  await app.ui.open('settings');
  // The switch shows the node's settings: it turns off once the node has saved the change.
  await app.page.getByTestId('notify-sharing-paused').click();
  await expect(app.page.getByTestId('notify-sharing-paused')).not.toBeChecked();
  await expect.poll(async () => (await app.call<Settings>('getSettings')).notifications['sharing-paused']).toBe(false);
  await app.ui.open('dashboard');
  await app.page.getByRole('button', { name: 'Resume sharing' }).click();
  await expect(app.page.getByTestId('sharing-state')).toHaveText('Sharing');
  await app.page.getByRole('button', { name: 'Pause until I resume' }).click();
  await expect(app.page.getByTestId('sharing-state')).toHaveText('Sharing paused');
  // A change made outside the page reaches it only as an event, after any notice the pause caused.
  await app.call('updateSettings', [{ app: { theme: 'light' } }]);
  await expect(app.page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect(toast).toHaveCount(0);
});

test('toasts: a node that stops answering gets one', async ({ app, target }) => {
  test.skip(target !== 'web', 'the Electron window and its node stop together');
  await expect(app.ui.connection()).toHaveText('Connected');
  await app.stopNode();
  await expect(app.page.getByTestId('toast').filter({ hasText: 'The node stopped answering' })).toBeVisible();
});
