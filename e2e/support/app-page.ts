import type { Locator, Page } from '@playwright/test';

export const PRIVACY_LEVELS = ['Private', 'PrivateNetwork', 'P2P', 'PublicNetwork', 'FullPublic'] as const;
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];

export const PAGE_TITLES = {
  dashboard: 'Dashboard',
  sharing: 'Sharing',
  assets: 'Assets',
  marketplace: 'Marketplace',
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

  /** The Mesh section of the Settings page (open it first). */
  meshSettings() {
    const page = this.page;
    const section = page.getByRole('region', { name: 'Mesh', exact: true });
    return {
      section,
      enabled: section.getByRole('checkbox', { name: 'Join the mesh' }),
      mdns: section.getByRole('checkbox', { name: 'LAN discovery (mDNS)' }),
      relay: section.getByRole('checkbox', { name: 'Relay for peers behind NAT' }),
      bootstrap: section.getByLabel(/^Bootstrap peers/),
      saved: section.getByTestId('mesh-saved'),
      async setBootstrap(addresses: string) {
        await section.getByLabel(/^Bootstrap peers/).fill(addresses);
        await section.getByRole('button', { name: 'Save bootstrap peers' }).click();
      },
    };
  }

  /** The Mesh section at the top of the Network page (open it first). */
  mesh() {
    const page = this.page;
    const section = page.getByRole('region', { name: 'Mesh', exact: true });
    const peers = section.getByRole('table', { name: 'Mesh peers' });
    return {
      section,
      /** "Reachable directly (public)", "Behind NAT", "Reachable through a relay" or "Not known yet". */
      reachability: section.getByTestId('mesh-reachability'),
      peerId: section.getByTestId('mesh-peer-id'),
      addresses: section.getByTestId('mesh-addresses'),
      dhtPeers: section.getByTestId('mesh-dht-peers'),
      remoteAssets: section.getByTestId('mesh-remote-assets'),
      /** Why the mesh is off (shown only then). */
      problem: section.getByTestId('mesh-problem'),
      error: section.getByTestId('mesh-error'),
      peers,
      /** Rows of the peer table: short NodeId (row header), address, state, RTT, trust, rejected. */
      peerRows: peers.getByRole('row').filter({ has: page.getByRole('rowheader') }),
      /** The row of one peer, by its short NodeId (`hm-xxxx-yyyy`). */
      peer(shortId: string) {
        return peers.getByRole('row').filter({ has: page.getByRole('rowheader', { name: shortId }) });
      },
    };
  }

  /** The Marketplace page (open it first): search peers' assets, allocate one, and the leases held on them. */
  marketplace() {
    const page = this.page;
    const find = page.getByRole('region', { name: 'Find resources' });
    const results = find.getByRole('table', { name: 'Resources found' });
    const allocateForm = page.getByTestId('allocate-form');
    const leases = page.getByRole('table', { name: "My leases on peers' assets" });
    return {
      find,
      kind: find.getByLabel('Kind', { exact: true }),
      minCapacity: find.getByLabel(/^Minimum capacity/),
      maxPrice: find.getByLabel('Maximum price per hour (Caesar)'),
      maxLatency: find.getByLabel('Maximum latency (ms)'),
      verifiedOnly: find.getByRole('checkbox', { name: 'Only Verified-grade providers' }),
      searchButton: find.getByRole('button', { name: 'Search', exact: true }),
      searchStatus: page.getByTestId('search-status'),
      searchError: page.getByTestId('search-error'),
      empty: page.getByTestId('search-empty'),
      results,
      /** Result rows (the header row left out). */
      resultRows: results.getByRole('row').filter({ has: page.getByRole('rowheader') }),
      allocateForm,
      amount: allocateForm.getByLabel(/^Amount/),
      duration: allocateForm.getByLabel('Duration (minutes)'),
      confirm: allocateForm.getByRole('button', { name: 'Confirm allocation' }),
      allocateResult: page.getByTestId('allocate-result'),
      allocateError: page.getByTestId('allocate-error'),
      leases,
      leaseRows: leases.getByRole('row').filter({ has: page.getByRole('rowheader') }),
      leasesEmpty: page.getByTestId('remote-leases-empty'),
      /** Fills the filters that are given and presses Search; kind is a ResourceKind such as `cpu`, or '' for any. */
      async search(filters: {
        kind?: string;
        minCapacity?: string;
        maxPrice?: string;
        maxLatency?: string;
        verifiedOnly?: boolean;
      }) {
        if (filters.kind !== undefined) await find.getByLabel('Kind', { exact: true }).selectOption(filters.kind);
        if (filters.minCapacity !== undefined) await find.getByLabel(/^Minimum capacity/).fill(filters.minCapacity);
        if (filters.maxPrice !== undefined)
          await find.getByLabel('Maximum price per hour (Caesar)').fill(filters.maxPrice);
        if (filters.maxLatency !== undefined) await find.getByLabel('Maximum latency (ms)').fill(filters.maxLatency);
        if (filters.verifiedOnly !== undefined)
          await find.getByRole('checkbox', { name: 'Only Verified-grade providers' }).setChecked(filters.verifiedOnly);
        await find.getByRole('button', { name: 'Search', exact: true }).click();
      },
      /** Opens the Allocate form of a result row, fills it (amount in the form's unit) and confirms. */
      async allocate(row: Locator, amount?: string, durationMinutes?: string) {
        await row.getByRole('button', { name: 'Allocate' }).click();
        if (amount !== undefined) await allocateForm.getByLabel(/^Amount/).fill(amount);
        if (durationMinutes !== undefined) await allocateForm.getByLabel('Duration (minutes)').fill(durationMinutes);
        await allocateForm.getByRole('button', { name: 'Confirm allocation' }).click();
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
