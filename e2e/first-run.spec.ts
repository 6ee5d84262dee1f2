import { expect, test } from './support/fixtures';

test('first run: the dashboard shows this node and that nothing is shared', async ({ app }) => {
  const { page, ui } = app;
  await expect(ui.connection()).toHaveText('Connected');
  await expect(ui.heading()).toHaveText('Dashboard');
  const status = await app.call<{ nodeId: string; nodeIdShort: string; version: string }>('getStatus');
  await expect(page.getByTestId('node-id')).toHaveText(status.nodeId);
  await expect(page.getByTestId('node-id-short')).toHaveText(status.nodeIdShort);
  await expect(page.getByTestId('node-version')).toHaveText(status.version);
  await expect(page.getByTestId('sharing-state')).toHaveText('Not sharing — privacy level is Private');
  await expect(page.getByTestId('dashboard-share-cpu')).toContainText('0 %');
  await expect(page.getByTestId('usage-cpu')).toHaveText(/^\d+\.\d %$/);
  await expect(page.getByTestId('usage-memory')).toContainText(' of ');
});

test('restarting keeps the identity and the settings', async ({ app }) => {
  const before = await app.call<{ nodeId: string }>('getStatus');
  await app.call('updateSettings', [{ privacyLevel: 'P2P', allocation: { memory: 40 } }]);
  await app.restart();
  await expect(app.page.getByTestId('node-id')).toHaveText(before.nodeId);
  await expect(app.page.getByTestId('dashboard-privacy')).toHaveText('Trusted peers');
  await expect(app.page.getByTestId('dashboard-share-memory')).toContainText('40 %');
});

test.describe('a fresh node, as a new user meets it', () => {
  test.use({ showOnboarding: true });

  test('opens on the welcome guide; skipping it lands on the Dashboard and it stays closed after a restart', async ({
    app,
  }) => {
    const { page, ui } = app;
    const guide = page.getByRole('dialog', { name: 'Welcome to HyperMesh' });
    await expect(guide).toBeVisible();
    await expect(guide.getByRole('heading', { level: 1 })).toBeFocused();
    // By keyboard: Tab stays inside the dialog, and Escape skips the guide as its Skip button does.
    await page.keyboard.press('Tab');
    await expect(guide.getByRole('button', { name: 'Skip the guide' })).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    await expect(guide.getByRole('button', { name: 'Next' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(guide.getByRole('button', { name: 'Skip the guide' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(guide).toBeHidden();
    await expect(ui.heading()).toHaveText('Dashboard');
    await expect(page.getByTestId('sharing-state')).toHaveText('Not sharing — privacy level is Private');
    await app.restart();
    await expect(ui.heading()).toHaveText('Dashboard');
    await expect(page.getByTestId('onboarding')).toBeHidden();
  });
});
