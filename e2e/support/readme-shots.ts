import { copyFileSync, mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';

/**
 * A picture for the README, taken from a real run: always into test-results/screenshots/, and into docs/screenshots/
 * with HM_README_SCREENSHOTS=1 (how the README's pictures are refreshed: `e2e/activity.spec.ts`, three processes).
 */
export async function readmeShot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  // Toasts float over the page: the picture is of the page, so they are dismissed as a reader would.
  const dismiss = page.getByRole('button', { name: /^Dismiss: / });
  while ((await dismiss.count()) > 0) await dismiss.first().click();
  const taken = `test-results/screenshots/${name}.png`;
  mkdirSync('test-results/screenshots', { recursive: true });
  await page.screenshot({ path: taken, fullPage: options.fullPage ?? true });
  if (process.env.HM_README_SCREENSHOTS === '1') {
    mkdirSync('docs/screenshots', { recursive: true });
    copyFileSync(taken, `docs/screenshots/${name}.png`);
  }
}
