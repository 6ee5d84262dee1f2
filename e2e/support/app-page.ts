import type { Locator, Page } from '@playwright/test';

export const PRIVACY_LEVELS = ['Private', 'PrivateNetwork', 'P2P', 'PublicNetwork', 'FullPublic'] as const;
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];

export const PAGE_TITLES = {
  dashboard: 'Dashboard',
  sharing: 'Sharing',
  assets: 'Assets',
  network: 'Network',
  certificates: 'Certificates',
  memory: 'Memory proxy',
  wallet: 'Wallet',
  logs: 'Logs',
  settings: 'Settings',
} as const;
export type PageName = keyof typeof PAGE_TITLES;

/** Page object for the HyperMesh UI, the same for the browser and the Electron window. */
export class AppPage {
  constructor(readonly page: Page) {}

  heading(): Locator {
    return this.page.getByRole('heading', { level: 1 });
  }

  async open(name: PageName): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: PAGE_TITLES[name] }).click();
    await this.heading().filter({ hasText: PAGE_TITLES[name] }).waitFor();
  }

  connection(): Locator {
    return this.page.getByTestId('connection');
  }

  sharing() {
    const page = this.page;
    return {
      privacySlider: page.getByTestId('privacy-level'),
      explanation: page.getByTestId('privacy-explanation'),
      allocation: (kind: string) => page.getByTestId(`allocation-${kind}`),
      capacity: (kind: string) => page.getByTestId(`capacity-${kind}`),
      async setPrivacyLevel(level: PrivacyLevel) {
        await page.getByTestId('privacy-level').fill(String(PRIVACY_LEVELS.indexOf(level)));
      },
      async setAllocation(kind: string, percent: number) {
        await page.getByTestId(`allocation-${kind}`).fill(String(percent));
      },
      async save() {
        await page.getByRole('button', { name: 'Save changes' }).click();
        await page.getByTestId('saved-state').waitFor();
      },
      pauseButton: page.getByRole('button', { name: /Pause all sharing|Resume sharing/ }),
    };
  }
}
