import { expectAccessible } from './support/a11y';
import { PRIVACY_LEVELS } from './support/app-page';
import { expect, test } from './support/fixtures';

// This spec alone opens a fresh node on its first-run guide; every other spec's fixture completes it.
test.use({ showOnboarding: true });

interface Settings {
  privacyLevel: string;
  allocation: Record<string, number>;
  rules: { pauseOnFullScreen: boolean; suspendOnBattery: boolean; inUseAllocation: Record<string, number> };
  app: { onboardingCompletedAt: string | null };
}

test('a fresh node: benchmark, preview per level, a level and shares chosen, finish on the Dashboard', async ({
  app,
}) => {
  // A bound, not an expectation: the benchmark takes about 20 s, far longer on a loaded machine.
  test.setTimeout(400_000);
  const { page, ui } = app;
  const guide = page.getByTestId('onboarding');
  await expect(page.getByRole('dialog', { name: 'Welcome to HyperMesh' })).toBeVisible();
  await guide.getByRole('button', { name: 'Next' }).click();

  await expect(guide.getByRole('heading', { name: 'Choose a privacy level' })).toBeVisible();
  await expect(page.getByTestId('preview-needs-benchmark')).toBeVisible();
  await guide.getByRole('button', { name: 'Run the benchmark' }).click();
  await expect(page.getByTestId('benchmark-progress')).toBeVisible();
  await expect(guide.getByRole('button', { name: 'Cancel the benchmark' })).toBeVisible();
  await expect(page.getByTestId('earnings-preview')).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId('benchmark-status')).toContainText('Measured');
  for (const level of PRIVACY_LEVELS) await expect(page.getByTestId(`preview-${level}`)).toContainText('Caesar');
  await expect(page.getByTestId('preview-Private')).toContainText('≈ 0 Caesar');
  await expect(page.getByTestId('earnings-preview')).toContainText('An estimate');
  await page.getByTestId('level-P2P').check();
  await expect(page.getByTestId('preview-P2P')).toContainText('(chosen)');
  await expectAccessible(page);
  await page.screenshot({ path: 'test-results/screenshots/onboarding-guide.png' });

  await guide.getByRole('button', { name: 'Next' }).click();
  await expect(guide.getByRole('heading', { name: 'Choose what to share' })).toBeVisible();
  await page.getByTestId('onboarding-share-cpu').fill('40');
  await page.getByTestId('onboarding-share-memory').fill('20');
  await page.getByTestId('onboarding-notWhileGaming').check();
  await guide.getByRole('button', { name: 'Next' }).click();
  await expect(guide).toContainText('Trusted peers');
  await guide.getByRole('button', { name: 'Finish and open the Dashboard' }).click();
  await expect(guide).toBeHidden();
  await expect(ui.heading()).toHaveText('Dashboard');

  const settings = await app.call<Settings>('getSettings');
  expect(settings.privacyLevel).toBe('P2P');
  expect(settings.allocation).toMatchObject({ cpu: 40, memory: 20 });
  expect(settings.rules.pauseOnFullScreen).toBe(true);
  expect(settings.app.onboardingCompletedAt).not.toBeNull();
  await ui.open('sharing');
  await expect(ui.sharing().explanation).toContainText('Trusted peers');
  await expect(ui.sharing().allocation('cpu')).toHaveValue('40');

  // Re-opened from Settings, it starts from the saved choices, and skipping keeps them.
  await ui.open('settings');
  await page.getByRole('button', { name: 'Show the welcome guide again' }).click();
  await expect(guide).toBeVisible();
  await guide.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByTestId('level-P2P')).toBeChecked();
  await guide.getByRole('button', { name: 'Skip the guide' }).click();
  await expect(guide).toBeHidden();
  const after = await app.call<Settings>('getSettings');
  expect(after.privacyLevel).toBe('P2P');
  expect(after.app.onboardingCompletedAt).not.toBeNull();
});

test('the benchmark refuses while sharing takes 100 % of the CPU; Cancel or skipping the guide stops it', async ({
  app,
}) => {
  const { page } = app;
  const guide = page.getByTestId('onboarding');
  await app.call('updateSettings', [{ privacyLevel: 'P2P', allocation: { cpu: 100 } }]);
  await guide.getByRole('button', { name: 'Next' }).click();
  await guide.getByRole('button', { name: 'Run the benchmark' }).click();
  await expect(page.getByTestId('benchmark-refused')).toContainText('100 % of the CPU');
  expect((await app.call<{ state: string }>('getBenchmark')).state).toBe('idle');

  await app.call('updateSettings', [{ allocation: { cpu: 50 } }]);
  await guide.getByRole('button', { name: 'Run the benchmark' }).click();
  await expect(page.getByTestId('benchmark-refused')).toBeHidden();
  await expect(page.getByTestId('benchmark-progress')).toBeVisible();
  await guide.getByRole('button', { name: 'Cancel the benchmark' }).click();
  await expect(page.getByTestId('benchmark-status')).toContainText('Cancelled');
  await expect(page.getByTestId('benchmark-progress')).toBeHidden();
  await expect(page.getByTestId('preview-needs-benchmark')).toBeVisible();
  expect((await app.call<{ state: string }>('getBenchmark')).state).toBe('cancelled');

  // Skipping the guide while the benchmark runs stops it too: nothing unseen keeps taking the CPU.
  await guide.getByRole('button', { name: 'Run the benchmark' }).click();
  await expect(page.getByTestId('benchmark-progress')).toBeVisible();
  await guide.getByRole('button', { name: 'Skip the guide' }).click();
  await expect(guide).toBeHidden();
  await expect.poll(async () => (await app.call<{ state: string }>('getBenchmark')).state).toBe('cancelled');
});
