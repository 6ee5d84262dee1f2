import type { Locator, Page } from '@playwright/test';

export const PRIVACY_LEVELS = ['Private', 'PrivateNetwork', 'P2P', 'PublicNetwork', 'FullPublic'] as const;
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];

export const PAGE_TITLES = {
  dashboard: 'Dashboard',
  sharing: 'Sharing',
  activity: 'Activity',
  assets: 'Assets',
  marketplace: 'Marketplace',
  network: 'Network',
  certificates: 'Certificates',
  memory: 'Memory proxy',
  jobs: 'Jobs',
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

  /** Closes the first-run guide with its Skip button (the fixtures open most apps past it already). */
  async skipOnboarding(): Promise<void> {
    const guide = this.page.getByTestId('onboarding');
    await guide.getByRole('button', { name: 'Skip the guide' }).click();
    await guide.waitFor({ state: 'hidden' });
  }

  /**
   * Walks the first-run guide as a newcomer does: runs the benchmark, waits for the earnings preview, chooses a
   * privacy level and the shares, and finishes on the Dashboard. Returns the chosen level's preview text.
   */
  async completeOnboarding(choice: {
    level: string;
    shares: Readonly<Record<string, number>>;
    /** Called with the preview shown and the level chosen (the README's picture is taken there). */
    atPreview?: () => Promise<void>;
  }): Promise<string> {
    const page = this.page;
    const guide = page.getByTestId('onboarding');
    const next = guide.getByRole('button', { name: 'Next' });
    await next.click();
    await guide.getByRole('button', { name: 'Run the benchmark' }).click();
    // A bound, not an expectation: the benchmark takes about 20 s, far longer on a loaded machine.
    await page.getByTestId('earnings-preview').waitFor({ timeout: 300_000 });
    await page.getByTestId(`level-${choice.level}`).check();
    const preview = (await page.getByTestId(`preview-${choice.level}`).textContent()) ?? '';
    await choice.atPreview?.();
    await next.click();
    for (const [kind, percent] of Object.entries(choice.shares)) {
      await page.getByTestId(`onboarding-share-${kind}`).fill(String(percent));
    }
    await next.click();
    await guide.getByRole('button', { name: 'Finish and open the Dashboard' }).click();
    await guide.waitFor({ state: 'hidden' });
    return preview;
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

  /** The Wallet page (open it first). */
  wallet(): WalletPage {
    return new WalletPage(this.page);
  }

  /** The Memory proxy page (open it first). */
  memory(): MemoryPage {
    return new MemoryPage(this.page);
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

/**
 * The Wallet page (open it first): balance and ledger state, earnings chart, receive panel, the Send dialog, stake
 * and the history table. Amounts on screen are grouped ("1,234.5 Caesar"); compare them with {@link caesar}.
 */
export class WalletPage {
  readonly balanceCard: Locator;
  /** Shown instead of any figure while the node has no ledger (LEDGER_UNAVAILABLE), with the node's message. */
  readonly unavailable: Locator;
  /** "Ledger: …", with `data-state` = the LedgerSyncState, or `unavailable`. */
  readonly ledgerState: Locator;
  readonly ledgerProblem: Locator;
  readonly available: Locator;
  readonly balance: Locator;
  readonly pendingIn: Locator;
  readonly pendingOut: Locator;
  readonly staked: Locator;
  readonly earned: Locator;

  readonly earnings: Locator;
  readonly earningsChart: Locator;
  readonly earningsSummary: Locator;
  readonly earningsUnavailable: Locator;

  readonly receive: Locator;
  readonly address: Locator;
  readonly addressShort: Locator;
  readonly copyButton: Locator;
  readonly copyStatus: Locator;

  readonly sendButton: Locator;
  readonly dialog: Locator;
  readonly recipient: Locator;
  readonly amount: Locator;
  readonly memo: Locator;
  readonly recipientError: Locator;
  readonly amountError: Locator;
  readonly memoError: Locator;
  readonly reviewButton: Locator;
  readonly cancelButton: Locator;
  /** The confirmation step: recipient and amount as they will be sent. */
  readonly confirmStep: Locator;
  readonly confirmTo: Locator;
  readonly confirmAmount: Locator;
  readonly confirmMemo: Locator;
  readonly submitButton: Locator;
  readonly backButton: Locator;
  /** The node's error on sending, with `data-code` = its ErrorCode ('' for no answer). */
  readonly sendError: Locator;
  readonly sendDone: Locator;
  readonly closeButton: Locator;

  readonly stake: Locator;
  readonly stakeState: Locator;
  readonly stakeAmount: Locator;
  readonly stakeDays: Locator;
  readonly stakeAmountError: Locator;
  readonly stakeDaysError: Locator;
  readonly lockButton: Locator;
  readonly unlockButton: Locator;
  readonly stakeResult: Locator;
  /** The node's error on locking or unlocking, with `data-code`. */
  readonly stakeError: Locator;

  readonly history: Locator;
  readonly historyKind: Locator;
  readonly historyDirection: Locator;
  readonly historyStatus: Locator;
  readonly historyTable: Locator;
  /** Rows of the history table (the header row left out), newest first; `data-tx-id`, `data-status`. */
  readonly historyRows: Locator;
  readonly historyEmpty: Locator;
  readonly historyUnavailable: Locator;

  constructor(readonly page: Page) {
    this.balanceCard = page.getByRole('region', { name: 'Balance', exact: true });
    this.unavailable = page.getByTestId('wallet-unavailable');
    this.ledgerState = page.getByTestId('ledger-state');
    this.ledgerProblem = page.getByTestId('ledger-problem');
    this.available = page.getByTestId('wallet-available');
    this.balance = page.getByTestId('wallet-balance');
    this.pendingIn = page.getByTestId('wallet-pending-in');
    this.pendingOut = page.getByTestId('wallet-pending-out');
    this.staked = page.getByTestId('wallet-staked');
    this.earned = page.getByTestId('wallet-earned');

    this.earnings = page.getByRole('region', { name: 'Earnings', exact: true });
    this.earningsChart = page.getByTestId('earnings-chart');
    this.earningsSummary = page.getByTestId('earnings-summary');
    this.earningsUnavailable = page.getByTestId('earnings-unavailable');

    this.receive = page.getByRole('region', { name: 'Receive', exact: true });
    this.address = page.getByTestId('wallet-address');
    this.addressShort = page.getByTestId('wallet-address-short');
    this.copyButton = this.receive.getByRole('button', { name: 'Copy address' });
    this.copyStatus = page.getByTestId('wallet-copy-status');

    this.sendButton = page.getByRole('button', { name: 'Send Caesar…' });
    this.dialog = page.getByRole('dialog', { name: 'Send Caesar' });
    this.recipient = this.dialog.getByLabel('Recipient (NodeId or name)');
    this.amount = this.dialog.getByLabel('Amount (Caesar)');
    this.memo = this.dialog.getByLabel('Memo (optional)');
    this.recipientError = this.dialog.getByTestId('send-to-error');
    this.amountError = this.dialog.getByTestId('send-amount-error');
    this.memoError = this.dialog.getByTestId('send-memo-error');
    this.reviewButton = this.dialog.getByRole('button', { name: 'Review' });
    this.cancelButton = this.dialog.getByRole('button', { name: 'Cancel' });
    this.confirmStep = this.dialog.getByTestId('send-confirm');
    this.confirmTo = this.dialog.getByTestId('confirm-to');
    this.confirmAmount = this.dialog.getByTestId('confirm-amount');
    this.confirmMemo = this.dialog.getByTestId('confirm-memo');
    this.submitButton = this.dialog.getByTestId('send-submit');
    this.backButton = this.dialog.getByRole('button', { name: 'Back' });
    this.sendError = this.dialog.getByTestId('send-error');
    this.sendDone = this.dialog.getByTestId('send-done');
    this.closeButton = this.dialog.getByRole('button', { name: 'Close' });

    this.stake = page.getByRole('region', { name: 'Stake', exact: true });
    this.stakeState = page.getByTestId('stake-state');
    this.stakeAmount = this.stake.getByLabel('Amount to lock (Caesar)');
    this.stakeDays = this.stake.getByLabel('Lock for (days)');
    this.stakeAmountError = page.getByTestId('stake-amount-error');
    this.stakeDaysError = page.getByTestId('stake-days-error');
    this.lockButton = this.stake.getByRole('button', { name: 'Lock stake', exact: true });
    this.unlockButton = this.stake.getByRole('button', { name: 'Unlock stake', exact: true });
    this.stakeResult = page.getByTestId('stake-result');
    this.stakeError = page.getByTestId('stake-error');

    this.history = page.getByRole('region', { name: 'History', exact: true });
    this.historyKind = this.history.getByLabel('Kind', { exact: true });
    this.historyDirection = this.history.getByLabel('Direction', { exact: true });
    this.historyStatus = this.history.getByLabel('Status', { exact: true });
    this.historyTable = this.history.getByRole('table', { name: 'Wallet transactions, newest first' });
    this.historyRows = this.historyTable.getByRole('row').filter({ has: page.getByRole('rowheader') });
    this.historyEmpty = page.getByTestId('history-empty');
    this.historyUnavailable = page.getByTestId('history-unavailable');
  }

  /** The earnings period button for 1, 7 or 30 days (`aria-pressed` when chosen). */
  period(days: 1 | 7 | 30): Locator {
    return this.earnings.getByRole('button', { name: days === 1 ? '1 day' : `${days} days`, exact: true });
  }

  /** The history row of one transaction. */
  historyRow(txId: string): Locator {
    return this.historyTable.locator(`tr[data-tx-id="${txId}"]`);
  }

  /** Opens the Send dialog and fills what is given (without reviewing). */
  async openSend(fields: { to?: string; amount?: string; memo?: string } = {}): Promise<void> {
    await this.sendButton.click();
    await this.dialog.waitFor();
    await this.fillSend(fields);
  }

  async fillSend(fields: { to?: string; amount?: string; memo?: string }): Promise<void> {
    if (fields.to !== undefined) await this.recipient.fill(fields.to);
    if (fields.amount !== undefined) await this.amount.fill(fields.amount);
    if (fields.memo !== undefined) await this.memo.fill(fields.memo);
  }

  /** The whole flow: open, fill, review, send. Waits for the dialog to say it was sent, or for the node's error. */
  async send(to: string, amount: string, memo?: string): Promise<void> {
    await this.openSend({ to, amount, ...(memo === undefined ? {} : { memo }) });
    await this.reviewButton.click();
    await this.submitButton.click();
    await this.sendDone.or(this.sendError).waitFor();
  }

  async filterHistory(filters: { kind?: string; direction?: string; status?: string }): Promise<void> {
    if (filters.kind !== undefined) await this.historyKind.selectOption(filters.kind);
    if (filters.direction !== undefined) await this.historyDirection.selectOption(filters.direction);
    if (filters.status !== undefined) await this.historyStatus.selectOption(filters.status);
  }

  async lockStake(amount: string, days: number): Promise<void> {
    await this.stakeAmount.fill(amount);
    await this.stakeDays.fill(String(days));
    await this.lockButton.click();
  }
}

/**
 * The Memory proxy page (open it first): the mappings this node provides (with Revoke), the remote memory pools it
 * uses (shards, "Why these providers", Flush and Free) and the Allocate form. Errors from the node carry `data-code`.
 */
export class MemoryPage {
  /** Shown when getProxyStatus failed, with `data-code`. */
  readonly statusError: Locator;

  readonly provided: Locator;
  readonly providedEmpty: Locator;
  /** Under the empty state, when this node shares no memory at all. */
  readonly notShared: Locator;
  readonly mappings: Locator;
  /** Rows of the mappings table (`data-address`, `data-state`); cells by test id: mapping-consumer, -size, … */
  readonly mappingRows: Locator;

  readonly used: Locator;
  readonly usedEmpty: Locator;
  /** One article per pool (`data-address`). */
  readonly pools: Locator;

  readonly allocateSection: Locator;
  readonly size: Locator;
  readonly duration: Locator;
  readonly providers: Locator;
  readonly replicas: Locator;
  readonly sizeError: Locator;
  readonly durationError: Locator;
  readonly providersError: Locator;
  readonly replicasError: Locator;
  readonly allocateButton: Locator;
  readonly allocateResult: Locator;
  /** The node's refusal, with `data-code`. */
  readonly allocateError: Locator;

  constructor(readonly page: Page) {
    this.statusError = page.getByTestId('memory-status-error');

    this.provided = page.getByRole('region', { name: 'Mappings this node provides', exact: true });
    this.providedEmpty = page.getByTestId('memory-provided-empty');
    this.notShared = page.getByTestId('memory-not-shared');
    this.mappings = this.provided.getByRole('table', { name: 'Mappings this node provides' });
    this.mappingRows = this.mappings.getByRole('row').filter({ has: page.getByRole('rowheader') });

    this.used = page.getByRole('region', { name: 'Memory this node uses', exact: true });
    this.usedEmpty = page.getByTestId('memory-used-empty');
    this.pools = this.used.getByTestId('pool');

    this.allocateSection = page.getByRole('region', { name: 'Allocate remote memory', exact: true });
    this.size = this.allocateSection.getByLabel('Size (MiB)');
    this.duration = this.allocateSection.getByLabel('Duration (minutes)');
    this.providers = this.allocateSection.getByLabel('Providers', { exact: true });
    this.replicas = this.allocateSection.getByLabel('Copies of each page');
    this.sizeError = page.getByTestId('allocate-sizeMiB-error');
    this.durationError = page.getByTestId('allocate-minutes-error');
    this.providersError = page.getByTestId('allocate-providers-error');
    this.replicasError = page.getByTestId('allocate-replicas-error');
    this.allocateButton = this.allocateSection.getByRole('button', { name: /^(Allocate|Allocating…)$/ });
    this.allocateResult = page.getByTestId('allocate-memory-result');
    this.allocateError = page.getByTestId('allocate-memory-error');
  }

  /** The row of one mapping, by its proxy address. */
  mapping(address: string): Locator {
    return this.mappings.locator(`tr[data-address="${address}"]`);
  }

  /** One pool, by its address, and its parts. */
  pool(address: string) {
    const pool = this.used.locator(`article[data-address="${address}"]`);
    const shards = pool.getByRole('table', { name: 'Shards' });
    const providers = pool.getByRole('table', { name: 'Why these providers' });
    return {
      pool,
      address: pool.getByTestId('pool-address'),
      size: pool.getByTestId('pool-size'),
      replicas: pool.getByTestId('pool-replicas'),
      expires: pool.getByTestId('pool-expires'),
      traffic: pool.getByTestId('pool-traffic'),
      cache: pool.getByTestId('pool-cache'),
      shards,
      /** Shard rows: index (row header), address, provider (short NodeId, full in title), reachable. */
      shardRows: shards.getByRole('row').filter({ has: this.page.getByRole('rowheader') }),
      providers,
      /** The providers' choice: short NodeId (row header), stake, certified, RTT, trust, score, reason. */
      providerRows: providers.getByRole('row').filter({ has: this.page.getByRole('rowheader') }),
      flushButton: pool.getByRole('button', { name: /^(Flush|Flushing…)$/ }),
      freeButton: pool.getByRole('button', { name: 'Free…' }),
      confirmFreeButton: pool.getByRole('button', { name: /^(Free now|Freeing…)$/ }),
      result: pool.getByTestId('pool-result'),
      /** The node's refusal of a flush or free, with `data-code`. */
      error: pool.getByTestId('pool-error'),
    };
  }

  /** Fills what is given of the Allocate form (sizes in MiB, duration in minutes) and presses Allocate. */
  async allocate(fields: { sizeMiB?: string; minutes?: string; providers?: string; replicas?: string }): Promise<void> {
    await this.fill(fields);
    await this.allocateButton.click();
  }

  async fill(fields: { sizeMiB?: string; minutes?: string; providers?: string; replicas?: string }): Promise<void> {
    if (fields.sizeMiB !== undefined) await this.size.fill(fields.sizeMiB);
    if (fields.minutes !== undefined) await this.duration.fill(fields.minutes);
    if (fields.providers !== undefined) await this.providers.fill(fields.providers);
    if (fields.replicas !== undefined) await this.replicas.fill(fields.replicas);
  }

  /** Revoke… then Revoke now, on one mapping's row. */
  async revoke(address: string): Promise<void> {
    const row = this.mapping(address);
    await row.getByRole('button', { name: 'Revoke…' }).click();
    await row.getByRole('button', { name: /^(Revoke now|Revoking…)$/ }).click();
  }
}

/** An amount as the Wallet page writes it: "1234.5" → "1,234.5 Caesar". */
export function caesar(amount: string): string {
  const [whole = '', fraction] = amount.split('.');
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction === undefined ? '' : `.${fraction}`} Caesar`;
}
