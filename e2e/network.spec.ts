import { expect, test } from './support/fixtures';

interface NetworkStats {
  listening: { host: string; port: number } | null;
  pinnedTier: string | null;
  bandwidthCapBitsPerSec: number | null;
}

test('the Network page pins a tier and caps bandwidth, and the transport applies both', async ({ app }) => {
  await app.ui.open('network');
  await expect(app.page.getByTestId('stoq-listening')).toContainText(/Listening for peers on|Not listening/);
  await app.page.getByTestId('tier').selectOption('100M');
  await expect.poll(async () => (await app.call<NetworkStats>('getNetworkStats')).pinnedTier).toBe('100M');
  const cap = app.page.getByTestId('bandwidth-cap');
  await cap.fill('40');
  await cap.blur();
  await expect.poll(async () => (await app.call<NetworkStats>('getNetworkStats')).bandwidthCapBitsPerSec).toBe(40e6);
  await expect(app.page.getByTestId('stoq-cap')).toHaveText('40 Mbit/s');
  const settings = await app.call<{ network: { tier: string; bandwidthCapMbps: number } }>('getSettings');
  expect(settings.network).toMatchObject({ tier: '100M', bandwidthCapMbps: 40 });
});
