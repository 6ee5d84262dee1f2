import { defineConfig } from '@playwright/test';
import type { Target } from './e2e/support/fixtures';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// One set of specs, two ways to run the UI: `web` (Debian Chromium against the headless node; CI's default) and
// `electron` (the desktop app through _electron.launch, where the Electron binary is installed).
export default defineConfig<{ target: Target }>({
  testDir: 'e2e',
  outputDir: 'test-results',
  // Bounds, not expectations: generous enough for a 2-core machine whose cores are both busy (npm run test:stress).
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 2,
  forbidOnly: !!process.env.CI,
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'playwright-report' }],
    ['json', { outputFile: 'reports/e2e.json' }],
  ],
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure', viewport: { width: 1280, height: 860 } },
  projects: [
    {
      name: 'web',
      use: {
        target: 'web',
        browserName: 'chromium',
        launchOptions: {
          executablePath: chromium,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      },
    },
    { name: 'electron', use: { target: 'electron' } },
  ],
});
