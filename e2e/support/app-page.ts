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

  /** The http3:// box in the top bar, and the line under it that says which node a name resolved to. */
  addressBox() {
    const page = this.page;
    return {
      input: page.getByLabel('Open a HyperMesh address'),
      resolution: page.getByTestId('name-resolution'),
      async open(url: string) {
        await page.getByLabel('Open a HyperMesh address').fill(url);
        await page.getByLabel('Open a HyperMesh address').press('Enter');
      },
    };
  }

  /** The TrustChain section of the Settings page (open it first). */
  trustSettings() {
    const page = this.page;
    const section = page.getByRole('region', { name: 'TrustChain', exact: true });
    return {
      section,
      caAddress: section.getByLabel(/^Certificate authority/),
      rootPin: section.getByLabel(/^Pinned root certificate/),
      acceptSelfSigned: section.getByRole('checkbox', { name: /self-signed certificate/ }),
      saved: section.getByTestId('trust-saved'),
      async setCaAddress(address: string) {
        await section.getByLabel(/^Certificate authority/).fill(address);
        await section.getByRole('button', { name: 'Save TrustChain settings' }).click();
      },
      async save() {
        await section.getByRole('button', { name: 'Save TrustChain settings' }).click();
      },
    };
  }

  /** The Certificates page (open it first). */
  certificates() {
    const page = this.page;
    return {
      state: page.getByTestId('trust-state'),
      caAddress: page.getByTestId('trust-ca-address'),
      problem: page.getByTestId('trust-problem'),
      serial: page.getByTestId('cert-serial'),
      expiry: page.getByTestId('cert-expiry'),
      chain: page.getByTestId('cert-chain').getByRole('listitem'),
      transparency: page.getByTestId('cert-transparency'),
      inclusion: page.getByTestId('cert-inclusion'),
      federationSummary: page.getByTestId('federation-summary'),
      federation: page.getByTestId('federation-table'),
      authority: page.getByTestId('authority-card'),
    };
  }
}
