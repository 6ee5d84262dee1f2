import { expect, test } from './support/fixtures';

interface Status {
  allowance: { state: string; pausedUntil: string | null; resources: { kind: string; reasons: string[] }[] };
}

test('Dashboard: snooze for an hour shows why nothing is allowed, and Resume brings sharing back', async ({ app }) => {
  await app.call('updateSettings', [{ privacyLevel: 'P2P', allocation: { cpu: 50, memory: 20 } }]);
  const { page, ui } = app;
  await ui.open('dashboard');
  await expect(page.getByTestId('allowed-vs-used')).toBeVisible();
  // Every resource is in the meter: bandwidth in Mbit/s (allowed: the limiter's cap; used: its meter), a GPU by its
  // size or, where the computer has none, said so.
  await expect(page.getByTestId('allowance-bandwidth')).toContainText('Mbit/s');
  await expect(page.getByTestId('allowance-gpu')).toContainText(/no GPU found|iB|does not report/);
  await page.getByRole('button', { name: 'Pause for 1 hour' }).click();
  await expect(page.getByTestId('sharing-headline')).toContainText('Paused until');
  await expect(page.getByTestId('allowance-memory')).toContainText('paused');
  const paused = await app.call<Status>('getStatus');
  expect(paused.allowance.state).toBe('paused');
  expect(Date.parse(paused.allowance.pausedUntil ?? '')).toBeGreaterThan(Date.now() + 3_000_000);
  await page.getByRole('button', { name: 'Resume sharing' }).click();
  await expect(page.getByRole('button', { name: 'Pause until I resume' })).toBeVisible();
  expect((await app.call<Status>('getStatus')).allowance.state).not.toBe('paused');
});

test('Sharing page: an overlapping schedule is refused with a clear error and nothing is stored', async ({ app }) => {
  const { page, ui } = app;
  await ui.open('sharing');
  const rules = page.getByTestId('sharing-rules');
  await rules.getByText('Share only at these times').click();
  await page.getByTestId('schedule-mon').fill('09:00-12:00, 11:00-13:00');
  await page.getByTestId('schedule-mon').blur();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByTestId('rules-errors')).toContainText(
    'rules.schedule.days.mon: the windows 09:00-12:00 and 11:00-13:00 overlap',
  );
  const stored = await app.call<{ rules: { schedule: { enabled: boolean } } }>('getSettings');
  expect(stored.rules.schedule.enabled).toBe(false);
});
