import { rmSync } from 'node:fs';
import type { BrowserContext, Page, TestInfo } from '@playwright/test';
import type { NodeStatus } from '../src/shared/api/contract';
import type { AssetView } from '../src/shared/assets';
import type { MeshStatus, RemoteAllocationView } from '../src/shared/mesh';
import type { Settings } from '../src/shared/settings';
import type { TrustStatus } from '../src/shared/trust';
import { expectAccessible } from './support/a11y';
import { AppPage } from './support/app-page';
import { CERTIFIED_TIMEOUT, expect, test } from './support/fixtures';
import { MESH_TIMEOUT, openUi } from './support/peers';
import { NodeProcess, newDataDir } from './support/node-process';

/** Anything that answers the node API: a NodeProcess, or the `app` fixture. */
interface Callable {
  call<T>(method: string, args?: unknown[]): Promise<T>;
}

/** Each of the reachability texts the Network page may show (on loopback it cannot tell yet). */
const REACHABILITY = /^(Reachable directly \(public\)|Behind NAT|Reachable through a relay|Not known yet)$/;

/** Points a node at the CA and waits until it holds a certificate. */
async function certify(node: Callable, ca: NodeProcess): Promise<void> {
  await node.call('updateSettings', [{ trust: { caAddress: await ca.stoqAddress() } }]);
  await expect
    .poll(
      async () => {
        const status = await node.call<TrustStatus>('getTrustStatus');
        return status.state === 'certified' ? 'certified' : `${status.state}: ${status.problem ?? ''}`;
      },
      { timeout: CERTIFIED_TIMEOUT },
    )
    .toBe('certified');
}

/** A node of the mesh under test: its process, who it is, and a browser page on its own UI. */
interface MeshMember {
  readonly node: NodeProcess;
  readonly id: NodeStatus;
  readonly page: Page;
  readonly ui: AppPage;
}

/** What each node knew when a test failed: mesh status, what it finds, its assets, leases and mesh log, and stderr. */
async function attachDiagnostics(testInfo: TestInfo, nodes: Record<string, NodeProcess>): Promise<void> {
  for (const [name, node] of Object.entries(nodes)) {
    const ask = async (method: string, args: unknown[] = []) => {
      try {
        return await node.call<unknown>(method, args);
      } catch (err) {
        return `(${method} failed: ${(err as Error).message})`;
      }
    };
    const report = {
      status: await ask('getStatus'),
      trust: await ask('getTrustStatus').then((t) =>
        typeof t === 'object' && t !== null
          ? { state: (t as TrustStatus).state, problem: (t as TrustStatus).problem }
          : t,
      ),
      mesh: await ask('getMeshStatus'),
      found: await ask('searchAssets', [{}]),
      assets: await ask('getAssets'),
      leases: await ask('getRemoteAllocations'),
      meshLog: await ask('getLogs', [{ text: 'mesh', minLevel: 'debug', limit: 300 }]),
    };
    await testInfo.attach(`${name}-state.json`, {
      body: JSON.stringify(report, null, 2),
      contentType: 'application/json',
    });
    await testInfo.attach(`${name}-stderr.txt`, { body: node.stderr, contentType: 'text/plain' });
  }
}

const meshTest = test.extend<{
  /**
   * The CA process plus two `hypermesh node` processes, A and B, each certified by the CA and joining the mesh
   * through it (its STOQ address as the only bootstrap peer, mDNS off), with a browser page on each node's own UI.
   */
  mesh: { readonly ca: NodeProcess; readonly caId: NodeStatus; readonly a: MeshMember; readonly b: MeshMember };
}>({
  mesh: async ({ ca, browser }, use, testInfo) => {
    const caAddress = await ca.stoqAddress();
    // No LAN discovery anywhere: the mesh is found through the bootstrap entry only (and nothing else on this host).
    await ca.call('updateSettings', [{ mesh: { mdns: false } }]);
    const processes = [new NodeProcess(newDataDir()), new NodeProcess(newDataDir())] as const;
    const contexts: BrowserContext[] = [];
    const pageErrors: string[] = [];
    let codes: (number | null)[];
    // Until the test has run and passed, a failure is ours (set-up included): say what each node knew.
    let failed = true;
    try {
      await Promise.all(processes.map((p) => p.start()));
      await Promise.all(
        processes.map(async (p) => {
          await p.call('updateSettings', [{ mesh: { bootstrap: caAddress, mdns: false } }]);
          await certify(p, ca);
        }),
      );
      const members = await Promise.all(
        processes.map(async (node, i): Promise<MeshMember> => {
          const opened = await openUi(browser, node, pageErrors, i === 0 ? 'A' : 'B');
          contexts.push(opened.context);
          return { node, id: await node.call<NodeStatus>('getStatus'), page: opened.page, ui: opened.ui };
        }),
      );
      const [a, b] = members as [MeshMember, MeshMember];
      await use({ ca, caId: await ca.call<NodeStatus>('getStatus'), a, b });
      failed = testInfo.status !== testInfo.expectedStatus;
    } finally {
      if (failed) await attachDiagnostics(testInfo, { ca, A: processes[0], B: processes[1] });
      for (const context of contexts) await context.close();
      codes = await Promise.all(processes.map((p) => p.stop()));
      for (const p of processes) rmSync(p.dataDir, { recursive: true, force: true });
    }
    if (pageErrors.length > 0) throw new Error(`errors in the pages:\n${pageErrors.join('\n')}`);
    codes.forEach((code, i) => {
      if (code !== 0) {
        throw new Error(
          `node ${i === 0 ? 'A' : 'B'} did not shut down cleanly (exit ${code}):\n${processes[i]?.stderr}`,
        );
      }
    });
  },
});

/** Shares one resource from the node's own Sharing page: every peer may see it (FullPublic), and that it is theirs. */
async function shareFromUi(member: MeshMember, kind: 'cpu' | 'memory', percent: number): Promise<void> {
  const { ui, page } = member;
  await ui.open('sharing');
  const sharing = ui.sharing();
  await sharing.setPrivacyLevel('FullPublic');
  await page.getByRole('radio', { name: /^Public —/ }).check();
  await sharing.setAllocation(kind, percent);
  await sharing.save();
  const stored = await member.node.call<Settings>('getSettings');
  expect(stored).toMatchObject({ privacyLevel: 'FullPublic', allocationType: 'Public' });
  expect(stored.allocation[kind]).toBe(percent);
}

test.describe("Mesh: nodes in their own processes find and allocate each other's assets", () => {
  test.skip(({ target }) => target !== 'web', 'runs a CA node and two headless nodes, each in its own process');
  // Three nodes (one generating CA keys), two browsers, and mesh discovery: room for a loaded 2-core machine.
  test.describe.configure({ timeout: 360_000 });

  meshTest(
    "Two UIs each see the other node's shared asset, and a consumer allocates it across the mesh",
    async ({ mesh }) => {
      const { a, b } = mesh;
      await shareFromUi(a, 'cpu', 50);
      await shareFromUi(b, 'memory', 10);

      // Each asset is registered on its owner (certified, all four proofs) before the mesh hears of it.
      for (const [member, kind] of [
        [a, 'cpu'],
        [b, 'memory'],
      ] as const) {
        await member.ui.open('assets');
        await expect(member.page.getByTestId(`asset-${kind}`).getByTestId('asset-state')).toHaveText('✓ Registered', {
          timeout: MESH_TIMEOUT,
        });
      }
      const cpuAssetId = (await a.node.call<AssetView[]>('getAssets')).find((x) => x.kind === 'cpu')?.assetId;
      expect(cpuAssetId).toMatch(/^hma1-cpu-/);

      // A's Marketplace finds B's memory (and nothing of A's own).
      await a.ui.open('marketplace');
      const marketA = a.ui.marketplace();
      await marketA.search({ kind: 'memory' });
      const memoryRow = marketA.resultRows.filter({ hasText: b.id.nodeIdShort });
      await expect(memoryRow).toHaveCount(1, { timeout: MESH_TIMEOUT });
      await expect(memoryRow.getByRole('rowheader')).toHaveText('Memory');
      await expect(memoryRow.getByTestId('result-owner')).toHaveText(b.id.nodeIdShort);
      await expect(memoryRow.getByTestId('result-owner').getByText(b.id.nodeIdShort)).toHaveAttribute(
        'title',
        b.id.nodeId,
      );
      await expect(memoryRow).toContainText('Fully public (Public)');
      await expect(memoryRow.getByRole('button', { name: 'Allocate' })).toBeVisible();
      await marketA.search({ kind: '' });
      await expect(marketA.searchStatus).toHaveText(/^\d+ resources? found\.$/);
      await expect(marketA.resultRows.filter({ hasText: b.id.nodeIdShort })).toHaveCount(1);
      await expect(marketA.resultRows.filter({ hasText: a.id.nodeIdShort })).toHaveCount(0);

      // B's Marketplace finds A's CPU and allocates one core of it for a few minutes.
      await b.ui.open('marketplace');
      const marketB = b.ui.marketplace();
      await expect(marketB.leasesEmpty).toHaveText("You hold no leases on peers' assets.");
      await marketB.search({ kind: 'cpu' });
      const cpuRow = marketB.resultRows.filter({ hasText: a.id.nodeIdShort });
      await expect(cpuRow).toHaveCount(1, { timeout: MESH_TIMEOUT });
      await expect(cpuRow.getByRole('rowheader')).toHaveText('CPU');
      await expect(cpuRow.getByRole('rowheader')).toHaveAttribute('title', cpuAssetId ?? '');
      await expect(marketB.resultRows.filter({ hasText: b.id.nodeIdShort })).toHaveCount(0);
      await marketB.allocate(cpuRow, '1', '5');
      await expect(marketB.allocateError).toHaveCount(0);
      await expect(marketB.allocateResult).toContainText(`✓ Allocated 1 core of CPU from ${a.id.nodeIdShort}`, {
        timeout: MESH_TIMEOUT,
      });
      await expect(marketB.allocateResult).toContainText("The owner's proof is verified.");

      // B's leases on peers' assets: the lease, from A, with the owner's proof verified.
      const lease = marketB.leaseRows.filter({ hasText: a.id.nodeIdShort });
      await expect(lease).toHaveCount(1);
      await expect(lease.getByRole('rowheader')).toHaveText('CPU');
      await expect(lease).toContainText('1 core');
      await expect(lease.getByTestId('remote-lease-proof')).toHaveText('✓ yes');
      const leases = await b.node.call<RemoteAllocationView[]>('getRemoteAllocations');
      expect(leases).toHaveLength(1);
      expect(leases[0]).toMatchObject({
        assetId: cpuAssetId,
        owner: a.id.nodeId,
        kind: 'cpu',
        amount: 1,
        unit: 'slots',
        ownerProofVerified: true,
      });
      const minutes = (Date.parse(leases[0]?.expiresAt ?? '') - Date.parse(leases[0]?.grantedAt ?? '')) / 60_000;
      expect(minutes).toBeCloseTo(5, 1);
      await expectAccessible(b.page);
      await b.page.screenshot({ path: 'test-results/screenshots/marketplace-leased.png', fullPage: true });

      // A's Assets page: its CPU is in use by that one lease.
      await a.ui.open('assets');
      // The page polls every 3 s: the default bound (30 s) leaves room for a loaded machine, 15 s did not.
      await expect(a.page.getByTestId('asset-cpu').getByTestId('asset-in-use')).toHaveText('1 core (1 lease)');
    },
  );

  meshTest(
    "the Network page's mesh section lists the other node and the CA as connected peers, with trust and reachability",
    async ({ mesh }) => {
      const { a, b, caId } = mesh;
      await a.ui.open('network');
      const section = a.ui.mesh();
      for (const id of [b.id, caId]) {
        const row = section.peer(id.nodeIdShort);
        await expect(row.getByTestId('mesh-peer-state')).toHaveText('connected directly', { timeout: MESH_TIMEOUT });
        await expect(row.getByRole('rowheader')).toHaveAttribute('title', id.nodeId);
        await expect(row.getByTestId('mesh-peer-trust')).toHaveText(/^\d{1,3} %$/);
        await expect(row.getByTestId('mesh-peer-rejected')).toHaveText('0');
      }
      await expect(section.problem).toHaveCount(0);
      await expect(section.reachability).toHaveText(REACHABILITY);
      await expect(section.dhtPeers).toHaveText(/^[1-9]\d*$/, { timeout: MESH_TIMEOUT });

      // The page says what the node says.
      const status = await a.node.call<MeshStatus>('getMeshStatus');
      expect(status.state).toBe('running');
      expect(status.dhtPeers).toBeGreaterThan(0);
      await expect(section.peerId).toHaveText(status.peerId ?? '');
      const peer = status.peers.find((p) => p.nodeId === b.id.nodeId);
      expect(peer).toMatchObject({ connected: true, relayed: false });
      await expect(section.peer(b.id.nodeIdShort).getByTestId('mesh-peer-trust')).toHaveText(
        `${Math.round((peer?.trustScore ?? NaN) * 100)} %`,
      );

      // And the other way round: B's page lists A.
      await b.ui.open('network');
      await expect(b.ui.mesh().peer(a.id.nodeIdShort).getByTestId('mesh-peer-state')).toHaveText('connected directly', {
        timeout: MESH_TIMEOUT,
      });
      await expectAccessible(a.page);
      await a.page.screenshot({ path: 'test-results/screenshots/network-mesh-peers.png', fullPage: true });
    },
  );

  test('Settings → Mesh: a bad bootstrap entry is refused on the page and saves nothing; a good one saves and joins', async ({
    app,
    ca,
  }) => {
    await ca.call('updateSettings', [{ mesh: { mdns: false } }]);
    await certify(app, ca);
    const caAddress = await ca.stoqAddress();
    await app.ui.open('settings');
    const settings = app.ui.meshSettings();
    await expect(settings.enabled).toBeChecked();
    await expect(settings.bootstrap).toHaveValue('');

    // The toggle saves at once and shows what the node stored (so it changes only when the node answers).
    await settings.mdns.click();
    await expect(settings.mdns).not.toBeChecked();
    expect((await app.call<Settings>('getSettings')).mesh.mdns).toBe(false);

    // A bad entry among good ones: named in the error, the field marked and focused, nothing stored.
    await settings.setBootstrap(`${caAddress}, [::1]9292`);
    await expect(settings.bootstrap).toHaveAttribute('aria-invalid', 'true');
    await expect(settings.section).toContainText('"[::1]9292" is not an address. Enter HOST:PORT entries');
    await expect(settings.bootstrap).toBeFocused();
    await expect(settings.saved).toHaveText('');
    expect((await app.call<Settings>('getSettings')).mesh).toEqual({
      enabled: true,
      bootstrap: '',
      mdns: false,
      relay: false,
    });

    // A good one saves.
    await settings.setBootstrap(caAddress);
    await expect(settings.saved).toHaveText('Saved.');
    await expect(settings.bootstrap).toHaveAttribute('aria-invalid', 'false');
    await expect(settings.section).not.toContainText('is not an address');
    expect((await app.call<Settings>('getSettings')).mesh).toEqual({
      enabled: true,
      bootstrap: caAddress,
      mdns: false,
      relay: false,
    });
    await expectAccessible(app.page);

    // It is kept across a reload, and the node joins the mesh through it.
    await app.page.reload();
    await app.ui.open('settings');
    await expect(app.ui.meshSettings().bootstrap).toHaveValue(caAddress);
    const caId = await ca.call<NodeStatus>('getStatus');
    await app.ui.open('network');
    await expect(app.ui.mesh().peer(caId.nodeIdShort).getByTestId('mesh-peer-state')).toHaveText('connected directly', {
      timeout: MESH_TIMEOUT,
    });
  });
});
