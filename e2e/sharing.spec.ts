import { expect, test } from './support/fixtures';

interface Settings {
  privacyLevel: string;
  sharingPaused: boolean;
  allocation: Record<string, number>;
  rewards: { minimumRatePerHour: string };
}

test('changing the privacy level and CPU allocation is stored by the node and kept after a reload', async ({ app }) => {
  const { page, ui } = app;
  await ui.open('sharing');
  const sharing = ui.sharing();
  await sharing.setPrivacyLevel('PublicNetwork');
  await expect(sharing.explanation).toContainText('Public networks');
  await sharing.setAllocation('cpu', 25);
  const hardware = await app.call<{ cpu: { logicalCores: number } }>('getHardware');
  const cores = (hardware.cpu.logicalCores * 25) / 100;
  await expect(sharing.capacity('cpu')).toContainText(`25 % = ${cores}`);
  await sharing.save();

  const stored = await app.call<Settings>('getSettings');
  expect(stored.privacyLevel).toBe('PublicNetwork');
  expect(stored.allocation.cpu).toBe(25);
  const status = await app.call<{ sharing: string; effectiveAllocation: Record<string, number> }>('getStatus');
  expect(status.sharing).toBe('active');
  expect(status.effectiveAllocation.cpu).toBe(25);

  await page.reload();
  await ui.open('sharing');
  await expect(sharing.allocation('cpu')).toHaveValue('25');
  await expect(sharing.privacySlider).toHaveValue('3');
  await expect(sharing.explanation).toContainText('Public networks');
});

test('keyboard: the privacy slider moves with arrow keys and says the level', async ({ app }) => {
  const { ui } = app;
  await ui.open('sharing');
  const sharing = ui.sharing();
  await sharing.privacySlider.focus();
  await app.page.keyboard.press('ArrowRight');
  await app.page.keyboard.press('ArrowRight');
  await expect(sharing.privacySlider).toHaveAttribute('aria-valuetext', 'Trusted peers');
  await app.page.getByRole('button', { name: 'Discard' }).click();
  await expect(sharing.privacySlider).toHaveValue('0');
  expect((await app.call<Settings>('getSettings')).privacyLevel).toBe('Private');
});

test('pause all stops sharing at once and resume brings it back', async ({ app }) => {
  await app.call('updateSettings', [{ privacyLevel: 'FullPublic', allocation: { cpu: 50 } }]);
  const { ui } = app;
  await ui.open('sharing');
  await app.page.getByRole('button', { name: 'Pause all sharing' }).click();
  await expect(app.page.getByRole('button', { name: 'Resume sharing' })).toBeVisible();
  const paused = await app.call<{ sharing: string; effectiveAllocation: Record<string, number> }>('getStatus');
  expect(paused.sharing).toBe('paused');
  expect(paused.effectiveAllocation.cpu).toBe(0);
  await app.page.getByRole('button', { name: 'Resume sharing' }).click();
  await expect(app.page.getByRole('button', { name: 'Pause all sharing' })).toBeVisible();
  expect((await app.call<{ sharing: string }>('getStatus')).sharing).toBe('active');
});

test('the node refuses a bad value: the error is shown and nothing is stored', async ({ app }) => {
  const { page, ui } = app;
  await ui.open('sharing');
  const rate = page.getByLabel('Lowest rate accepted (Caesar per resource-hour)');
  await rate.fill('lots');
  await ui.sharing().setAllocation('memory', 30);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('alert')).toContainText(
    'Not saved: rewards.minimumRatePerHour must be a decimal string such as "0.5" (up to 8 decimals), got "lots"',
  );
  const stored = await app.call<Settings>('getSettings');
  expect(stored.rewards.minimumRatePerHour).toBe('0');
  expect(stored.allocation.memory).toBe(0);
  await rate.fill('0.25');
  await ui.sharing().save();
  expect((await app.call<Settings>('getSettings')).rewards.minimumRatePerHour).toBe('0.25');
});
