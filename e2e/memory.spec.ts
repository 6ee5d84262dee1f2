import { rmSync } from 'node:fs';
import type { BrowserContext, Page, Route, TestInfo } from '@playwright/test';
import type { NodeStatus } from '../src/shared/api/contract';
import type { RemoteAssetView } from '../src/shared/mesh';
import { formatBytes } from '../src/shared/privacy';
import type { ProvidedMappingView, ProxyStatusView, UsedPoolView } from '../src/shared/proxy';
import { expectAccessible } from './support/a11y';
import { AppPage, MemoryPage } from './support/app-page';
import { expect, test } from './support/fixtures';
import { MESH_TIMEOUT, joinCa, openUi } from './support/peers';
import { NodeProcess, newDataDir, type NodeReply } from './support/node-process';

const MIB = 2 ** 20;
/** Other nodes' NodeIds (52 characters a–z, 2–7); no node has them here. */
const PEER = 'abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst';
const PEER_SHORT = 'hm-abcd-efgh';
const OTHER = 'zyxwvutsrqponmlkjihgfedcba765432zyxwvutsrqponmlkjih';
const OTHER_SHORT = 'hm-zyxw-vuts';

/** Calls the node from the page, the way the UI does, and keeps the error's code (app.call keeps only the message). */
async function ask<T>(page: Page, method: string, args: unknown[] = []): Promise<NodeReply<T>> {
  return page.evaluate(
    async ([m, a]) => {
      const bridge = (window as { nodeBridge?: { invoke(m: string, a: unknown[]): Promise<unknown> } }).nodeBridge;
      if (bridge) return bridge.invoke(m, a);
      const token = sessionStorage.getItem('hypermesh.apiToken') ?? '';
      const res = await fetch('/api/call', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ method: m, args: a }),
      });
      return res.json() as Promise<unknown>;
    },
    [method, args] as const,
  ) as Promise<NodeReply<T>>;
}

interface ApiCall {
  readonly method: string;
  readonly args: readonly unknown[];
}

/** Records every API call the page makes over HTTP (web only). */
function watchCalls(page: Page): ApiCall[] {
  const calls: ApiCall[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/api/call')) calls.push(request.postDataJSON() as ApiCall);
  });
  return calls;
}

const argsOf = (calls: readonly ApiCall[], method: string) =>
  calls.filter((c) => c.method === method).map((c) => c.args);

type Answer =
  | { readonly value: unknown; readonly delayMs?: number }
  | { readonly error: { readonly code: string; readonly message: string } };

/** Answers the given API methods in place of the node (web only); every other call goes to the real node. */
async function stubNode(page: Page, stubs: Record<string, (args: readonly unknown[]) => Answer>): Promise<void> {
  await page.route('**/api/call', async (route: Route) => {
    const call = route.request().postDataJSON() as ApiCall;
    const stub = stubs[call.method];
    if (!stub) return route.fallback();
    const answer = stub(call.args);
    if ('error' in answer) return route.fulfill({ json: { ok: false, error: answer.error } });
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    return route.fulfill({ json: { ok: true, value: answer.value } });
  });
}

test.describe('Memory proxy page on a lone node', () => {
  test('both sections are honestly empty; the Allocate form checks its fields and shows the node’s refusal by code', async ({
    app,
    target,
  }) => {
    const calls = target === 'web' ? watchCalls(app.page) : [];
    await app.ui.open('memory');
    const memory = app.ui.memory();
    await expect(memory.providedEmpty).toContainText('No mappings yet.');
    // Out of the box nothing is shared, so nobody can map any of this node's memory: the page says where to change it.
    await expect(memory.notShared).toContainText('This node does not share memory now');
    await expect(memory.notShared.getByRole('link', { name: 'Sharing' })).toHaveAttribute('href', '#/sharing');
    await expect(memory.usedEmpty).toContainText('No remote memory is mapped.');
    await expect(memory.mappings).toHaveCount(0);
    await expect(memory.pools).toHaveCount(0);
    await expect(memory.statusError).toHaveCount(0);
    // The page says what the node says.
    const status = await ask<ProxyStatusView>(app.page, 'getProxyStatus');
    expect(status).toEqual({ ok: true, value: { provided: [], used: [] } });
    await expectAccessible(app.page);
    if (target === 'web') await app.page.screenshot({ path: 'test-results/screenshots/memory.png', fullPage: true });

    // Sizes that are not whole MiB from 1 to 1024: refused on the page, the field marked and focused.
    for (const [size, error] of [
      ['0', 'A pool is at least 1 MiB.'],
      ['1.5', 'Enter a whole number of MiB: a pool is 1–1024 whole MiB.'],
      ['2000', 'A pool is at most 1024 MiB (1 GiB).'],
    ] as const) {
      await memory.allocate({ sizeMiB: size });
      await expect(memory.sizeError).toHaveText(error);
      await expect(memory.size).toHaveAttribute('aria-invalid', 'true');
      await expect(memory.size).toBeFocused();
    }
    // Typing clears the field's error.
    await memory.fill({ sizeMiB: '8' });
    await expect(memory.sizeError).toHaveCount(0);
    await expect(memory.size).toHaveAttribute('aria-invalid', 'false');

    // More providers than the user's setting allows (3 by default); more copies than providers.
    await memory.allocate({ providers: '4' });
    await expect(memory.providersError).toHaveText(
      'At most 3 providers: your proxy preferences allow 3 providers per pool.',
    );
    await expect(memory.providers).toBeFocused();
    await memory.allocate({ providers: '2', replicas: '3' });
    await expect(memory.providersError).toHaveCount(0);
    await expect(memory.replicasError).toHaveText(
      'At most 2 copies: each copy of a page is on another provider, and the pool has 2.',
    );
    await expectAccessible(app.page);

    // The limit follows the setting as soon as the node stores it.
    await app.call('updateSettings', [{ proxy: { maxProviders: 1 } }]);
    await memory.allocate({ providers: '2', replicas: '1' });
    await expect(memory.providersError).toHaveText(
      'At most 1 provider: your proxy preferences allow 1 provider per pool.',
    );
    if (target === 'web') expect(argsOf(calls, 'allocateRemoteMemory')).toEqual([]);

    // A good form goes to the node, which finds no provider on its own: its refusal is shown with its code.
    await memory.allocate({ sizeMiB: '8', minutes: '10', providers: '1', replicas: '1' });
    await expect(memory.allocateError).toHaveAttribute('data-code', 'PROXY_REFUSED');
    await expect(memory.allocateError).toContainText('Not allocated. No provider could serve it.');
    await expect(memory.allocateError).toContainText(/UNAVAILABLE: .+/);
    await expect(memory.allocateError.getByRole('code')).toHaveText('PROXY_REFUSED');
    await expect(memory.allocateResult).not.toContainText('✓');
    await expect(memory.allocateButton).toBeEnabled();
    if (target === 'web') {
      expect(argsOf(calls, 'allocateRemoteMemory')).toEqual([
        [{ bytes: 8 * MIB, durationMs: 600_000, providers: 1, replicas: 1, anonymous: false }],
      ]);
    }
    // The same refusal the node gives when asked directly.
    const direct = await ask<UsedPoolView>(app.page, 'allocateRemoteMemory', [
      { bytes: 8 * MIB, durationMs: 600_000, providers: 1, replicas: 1 },
    ]);
    expect(direct.ok).toBe(false);
    if (!direct.ok) {
      expect(direct.error.code).toBe('PROXY_REFUSED');
      expect(direct.error.message).toMatch(/^UNAVAILABLE: /);
      await expect(memory.allocateError).toContainText(direct.error.message);
    }
    await expect(memory.usedEmpty).toContainText('No remote memory is mapped.');
    await expectAccessible(app.page);
  });
});

const HOUR = 3_600_000;
const iso = (fromNow: number) => new Date(Date.now() + fromNow).toISOString();
const address = (fingerprint: string, shard = 0) =>
  `fd48:4d00:1a2b:3c4d:${fingerprint.slice(0, 4)}:${fingerprint.slice(4, 8)}:${fingerprint.slice(8)}:${shard
    .toString(16)
    .padStart(4, '0')}`;

function mappingOf(change: Partial<ProvidedMappingView> & Pick<ProvidedMappingView, 'address'>): ProvidedMappingView {
  return {
    consumer: PEER,
    assetId: 'hma1-memory-x',
    leaseId: 'lease-1',
    length: 8 * MIB,
    permissions: 'rw',
    createdAt: iso(-HOUR),
    expiresAt: iso(HOUR),
    state: 'active',
    bytesRead: 0,
    bytesWritten: 0,
    reads: 0,
    writes: 0,
    ...change,
  };
}

const POOL: UsedPoolView = {
  address: address('aaaabbbbcccc'),
  length: 16 * MIB,
  replicas: 2,
  shards: [
    { address: address('aaaabbbbcccc'), provider: PEER, leaseId: 'lease-a', reachable: true, problem: null },
    {
      address: address('ddddeeeeffff', 1),
      provider: OTHER,
      leaseId: 'lease-b',
      reachable: false,
      problem: 'proxy.read: REVOKED: the provider revoked the mapping',
    },
  ],
  providers: [
    {
      nodeId: PEER,
      stake: '12.5',
      certified: true,
      rttMs: 2.5,
      trustScore: 0.8,
      score: 0.8123,
      reason: 'stake 12.5 Caesar, trust 0.80, 2.5 ms → 0.812 (balanced)',
    },
    {
      nodeId: OTHER,
      stake: '0',
      certified: true,
      rttMs: null,
      trustScore: 0.5,
      score: 0.375,
      reason: 'stake 0 Caesar, trust 0.50, latency unknown → 0.375 (balanced)',
    },
  ],
  createdAt: iso(-HOUR),
  expiresAt: iso(2 * HOUR),
  bytesRead: 8192,
  bytesWritten: 12288,
  cachedPages: 3,
  dirtyPages: 1,
};

test.describe('Memory proxy page against a proxy’s answers (stubbed in the browser)', () => {
  test.skip(({ target }) => target !== 'web', 'answers the node API in place of the node over HTTP');

  test('shows mappings (an anonymous consumer never named), pools with why these providers; actions by code', async ({
    app,
  }) => {
    const named = mappingOf({
      address: address('111122223333'),
      bytesRead: 8192,
      reads: 2,
      bytesWritten: 4096,
      writes: 1,
    });
    const anonymous = mappingOf({ address: address('444455556666'), consumer: null, permissions: 'r' });
    const revoked = mappingOf({ address: address('777788889999'), state: 'revoked', createdAt: iso(-2 * HOUR) });
    let pool = POOL;
    await stubNode(app.page, {
      getProxyStatus: () => ({ value: { provided: [revoked, anonymous, named], used: [pool] } }),
      revokeMapping: () => ({
        error: {
          code: 'PROXY_REFUSED',
          message: 'UNKNOWN_ADDRESS: no mapping has this address here',
          reason: 'UNKNOWN_ADDRESS',
        },
      }),
      flushRemoteMemory: () => {
        pool = { ...pool, dirtyPages: 0 };
        return { value: { pages: 1 } };
      },
      freeRemoteMemory: () => ({
        error: { code: 'PROXY_REFUSED', message: 'UNAVAILABLE: no provider answered', reason: 'UNAVAILABLE' },
      }),
      allocateRemoteMemory: () => ({ value: POOL, delayMs: 1500 }),
    });
    const calls = watchCalls(app.page);
    await app.ui.open('memory');
    const memory = app.ui.memory();

    // Active mappings first; each with its consumer, size, permissions, state and traffic.
    await expect(memory.mappingRows).toHaveCount(3);
    await expect(memory.mappingRows.nth(2)).toHaveAttribute('data-state', 'revoked');
    const row = memory.mapping(named.address);
    await expect(row.getByRole('rowheader')).toHaveText(named.address);
    await expect(row.getByTestId('mapping-consumer')).toHaveText(PEER_SHORT);
    await expect(row.getByTestId('mapping-consumer').getByText(PEER_SHORT)).toHaveAttribute('title', PEER);
    await expect(row.getByTestId('mapping-size')).toHaveText('8 MiB');
    await expect(row.getByTestId('mapping-permissions')).toHaveText('read and write');
    await expect(row.getByTestId('mapping-state')).toHaveText('● Active');
    await expect(row.getByTestId('mapping-traffic')).toHaveText('8 KiB read in 2 reads4 KiB written in 1 write');
    await expect(row.getByTestId('mapping-expires')).toHaveText(/^in 59 min \d+ s$/);
    // An anonymous consumer is "Anonymous", and nothing on the row names a node.
    const anon = memory.mapping(anonymous.address);
    await expect(anon.getByTestId('mapping-consumer')).toHaveText('Anonymous');
    await expect(anon).not.toContainText(/hm-[a-z2-7]{4}-[a-z2-7]{4}/);
    await expect(anon.getByTestId('mapping-permissions')).toHaveText('read only');
    // A revoked mapping cannot be revoked again.
    const gone = memory.mapping(revoked.address);
    await expect(gone.getByTestId('mapping-state')).toHaveText('✗ Revoked');
    await expect(gone.getByRole('button')).toHaveCount(0);
    await expect(gone.getByTestId('mapping-expires')).toHaveText('—');

    // The pool: its figures, its shards (one unreachable) and why each provider was chosen.
    const p = memory.pool(POOL.address);
    await expect(p.size).toHaveText('16 MiB');
    await expect(p.replicas).toHaveText('2 copies of each page');
    await expect(p.traffic).toHaveText('8 KiB read, 12 KiB written');
    await expect(p.cache).toHaveText('3 pages cached (12 KiB), 1 not yet written back');
    await expect(p.expires).toHaveText(/^in 1 h 59 min$/);
    await expect(p.shardRows).toHaveCount(2);
    await expect(p.shardRows.nth(0).getByTestId('shard-provider')).toHaveText(PEER_SHORT);
    await expect(p.shardRows.nth(0).getByTestId('shard-reachable')).toHaveText('✓ reachable');
    await expect(p.shardRows.nth(1).getByTestId('shard-provider')).toHaveText(OTHER_SHORT);
    await expect(p.shardRows.nth(1).getByTestId('shard-reachable')).toHaveText('✗ unreachable');
    await expect(p.providerRows).toHaveCount(2);
    const best = p.providerRows.nth(0);
    await expect(best.getByRole('rowheader')).toHaveText(PEER_SHORT);
    await expect(best.getByTestId('provider-stake')).toHaveText('12.5 Caesar');
    await expect(best.getByTestId('provider-certified')).toHaveText('✓ yes');
    await expect(best.getByTestId('provider-rtt')).toHaveText('2.5 ms');
    await expect(best.getByTestId('provider-trust')).toHaveText('80 %');
    await expect(best.getByTestId('provider-score')).toHaveText('0.812');
    await expect(best.getByTestId('provider-reason')).toHaveText(POOL.providers[0]?.reason ?? '');
    await expect(p.providerRows.nth(1).getByTestId('provider-rtt')).toHaveText('—');
    await expectAccessible(app.page);
    await app.page.screenshot({ path: 'test-results/screenshots/memory-in-use.png', fullPage: true });
    await app.page.emulateMedia({ colorScheme: 'dark' });
    await expect(app.page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expectAccessible(app.page);
    await app.page.emulateMedia({ colorScheme: 'light' });

    // Revoke asks first; "Keep it" sends nothing; the node's refusal shows on the row, by code.
    await row.getByRole('button', { name: 'Revoke…' }).click();
    await expect(row.getByTestId('mapping-revoke-confirm')).toContainText('Revoke this mapping?');
    await row.getByRole('button', { name: 'Keep it' }).click();
    expect(argsOf(calls, 'revokeMapping')).toEqual([]);
    await memory.revoke(named.address);
    const revokeError = row.getByTestId('mapping-revoke-error');
    await expect(revokeError).toHaveAttribute('data-code', 'PROXY_REFUSED');
    await expect(revokeError).toContainText(
      'Not revoked. No such address. UNKNOWN_ADDRESS: no mapping has this address',
    );
    expect(argsOf(calls, 'revokeMapping')).toEqual([[named.address]]);
    await expectAccessible(app.page);

    // Flush says how many pages went back; Free asks first, and a refusal keeps the pool, with the code.
    await p.flushButton.click();
    await expect(p.result).toHaveText('✓ 1 page written back to the providers.');
    await expect(p.cache).toHaveText('3 pages cached (12 KiB), all written back');
    await p.freeButton.click();
    await p.pool.getByRole('button', { name: 'Keep it' }).click();
    expect(argsOf(calls, 'freeRemoteMemory')).toEqual([]);
    await p.freeButton.click();
    await p.confirmFreeButton.click();
    await expect(p.error).toHaveAttribute('data-code', 'PROXY_REFUSED');
    await expect(p.error).toContainText('Not freed. No provider could serve it. UNAVAILABLE: no provider answered');
    expect(argsOf(calls, 'freeRemoteMemory')).toEqual([[POOL.address]]);
    await expect(p.pool).toBeVisible();

    // Allocate: a double click asks once; the button waits for the answer.
    await memory.fill({ sizeMiB: '16', minutes: '120', providers: '2', replicas: '2' });
    await memory.allocateButton.dblclick();
    await expect(memory.allocateButton).toBeDisabled();
    await expect(memory.allocateButton).toHaveText('Allocating…');
    await expect(memory.allocateResult).toHaveText(
      `✓ Allocated 16 MiB at ${POOL.address} from ${PEER_SHORT}, ${OTHER_SHORT}.`,
    );
    await expect(memory.allocateButton).toBeEnabled();
    expect(argsOf(calls, 'allocateRemoteMemory')).toEqual([
      [{ bytes: 16 * MIB, durationMs: 120 * 60_000, providers: 2, replicas: 2, anonymous: false }],
    ]);
  });

  test('when the node cannot say, the page says so and shows no figure', async ({ app }) => {
    await stubNode(app.page, {
      getProxyStatus: () => ({ error: { code: 'INTERNAL', message: 'the proxy table could not be read' } }),
    });
    await app.ui.open('memory');
    const memory = app.ui.memory();
    await expect(memory.statusError).toHaveAttribute('data-code', 'INTERNAL');
    await expect(memory.statusError).toContainText('The memory proxy could not be read.');
    await expect(memory.statusError).toContainText('the proxy table could not be read');
    await expect(app.page.getByTestId('memory-unavailable')).toBeVisible();
    await expect(memory.provided).toHaveCount(0);
    await expect(memory.used).toHaveCount(0);
    await expectAccessible(app.page);
  });
});

interface Member {
  readonly node: NodeProcess;
  readonly id: NodeStatus;
  readonly page: Page;
  readonly ui: AppPage;
  readonly memory: MemoryPage;
}

async function attachDiagnostics(testInfo: TestInfo, nodes: Record<string, NodeProcess>): Promise<void> {
  for (const [name, node] of Object.entries(nodes)) {
    const read = async (method: string, args: unknown[] = []) =>
      node.call<unknown>(method, args).catch((err: Error) => `(${method} failed: ${err.message})`);
    const report = {
      proxy: await read('getProxyStatus'),
      found: await read('searchAssets', [{ kind: 'memory' }]),
      assets: await read('getAssets'),
      log: await read('getLogs', [{ text: 'proxy', minLevel: 'debug', limit: 300 }]),
      meshLog: await read('getLogs', [{ text: 'mesh', minLevel: 'debug', limit: 200 }]),
    };
    await testInfo.attach(`${name}-proxy.json`, {
      body: JSON.stringify(report, null, 2),
      contentType: 'application/json',
    });
    await testInfo.attach(`${name}-stderr.txt`, { body: node.stderr, contentType: 'text/plain' });
  }
}

const proxyTest = test.extend<{
  /** A and B certified by the CA and on the mesh through it, each with its UI open; A shares memory publicly. */
  pair: { readonly a: Member; readonly b: Member };
}>({
  pair: async ({ ca, browser }, use, testInfo) => {
    const caAddress = await ca.stoqAddress();
    await ca.call('updateSettings', [{ mesh: { mdns: false } }]);
    const processes = [new NodeProcess(newDataDir()), new NodeProcess(newDataDir())] as const;
    const contexts: BrowserContext[] = [];
    const errors: string[] = [];
    let failed = true;
    try {
      await Promise.all(processes.map((p) => p.start()));
      await Promise.all(processes.map((p) => joinCa(p, caAddress, MESH_TIMEOUT)));
      const [a, b] = (await Promise.all(
        processes.map(async (node, i): Promise<Member> => {
          const opened = await openUi(browser, node, errors, i === 0 ? 'A' : 'B');
          contexts.push(opened.context);
          const ui = new AppPage(opened.page);
          const id = await node.call<NodeStatus>('getStatus');
          return { node, id, page: opened.page, ui, memory: ui.memory() };
        }),
      )) as [Member, Member];
      // A shares 2 % of its memory with anyone, named; B waits until the mesh tells it so.
      await a.node.call('updateSettings', [
        // With its bandwidth: the cap covers all traffic to peers (no share would mean the 1 Mbit/s floor).
        { privacyLevel: 'FullPublic', allocationType: 'Public', allocation: { memory: 2, bandwidth: 100 } },
      ]);
      await expect
        .poll(
          async () => {
            const found = await b.node.call<RemoteAssetView[]>('searchAssets', [{ kind: 'memory' }]);
            const memory = found.find((asset) => asset.owner === a.id.nodeId);
            return memory ? memory.capacity.allowed >= 16 * MIB : 'not found yet';
          },
          { timeout: MESH_TIMEOUT, intervals: [1000] },
        )
        .toBe(true);
      await use({ a, b });
      failed = testInfo.status !== testInfo.expectedStatus;
    } finally {
      if (failed) await attachDiagnostics(testInfo, { CA: ca, A: processes[0], B: processes[1] });
      for (const context of contexts) await context.close();
      await Promise.all(processes.map((p) => p.stop()));
      for (const p of processes) rmSync(p.dataDir, { recursive: true, force: true });
    }
    if (errors.length > 0) throw new Error(`errors in the pages:\n${errors.join('\n')}`);
  },
});

/** `count` bytes of a pattern no page of zeros looks like. */
function pattern(count: number): Buffer {
  return Buffer.from(Array.from({ length: count }, (_, i) => (i * 7 + 3) % 251));
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

test.describe('Memory proxy between two nodes in their own processes', () => {
  test.skip(({ target }) => target !== 'web', 'runs a CA node and two headless nodes, each in its own process');
  // A CA (generating its keys), two nodes, certification, mesh discovery and a leased pool: room for a 2-core machine.
  test.describe.configure({ timeout: 240_000 });

  proxyTest(
    'B allocates A’s memory from its page and sees why A was chosen; A sees the mapping and revokes it; B is refused',
    async ({ pair }) => {
      const { a, b } = pair;
      let pool: UsedPoolView | undefined;

      await test.step('B allocates 8 MiB on one provider from its Memory page: A, with the reason', async () => {
        await b.ui.open('memory');
        await expect(b.memory.usedEmpty).toBeVisible();
        await b.memory.allocate({ sizeMiB: '8', minutes: '10', providers: '1', replicas: '1' });
        await expect(b.memory.allocateResult).toContainText(`✓ Allocated 8 MiB at fd48:4d00:`, {
          timeout: MESH_TIMEOUT,
        });
        await expect(b.memory.allocateError).toHaveCount(0);
        const status = await b.node.call<ProxyStatusView>('getProxyStatus');
        expect(status.used).toHaveLength(1);
        pool = status.used[0];
        if (!pool) throw new Error('no pool');
        expect(pool).toMatchObject({ length: 8 * MIB, replicas: 1 });
        expect(pool.shards.map((s) => s.provider)).toEqual([a.id.nodeId]);
        expect(pool.providers.map((p) => p.nodeId)).toEqual([a.id.nodeId]);
        await expect(b.memory.allocateResult).toHaveText(
          `✓ Allocated 8 MiB at ${pool.address} from ${a.id.nodeIdShort}.`,
        );

        const shown = b.memory.pool(pool.address);
        await expect(shown.size).toHaveText('8 MiB');
        await expect(shown.replicas).toHaveText('1 copy of each page (no redundancy)');
        await expect(shown.shardRows).toHaveCount(1);
        await expect(shown.shardRows.getByTestId('shard-provider')).toHaveText(a.id.nodeIdShort);
        await expect(shown.shardRows.getByTestId('shard-provider').getByText(a.id.nodeIdShort)).toHaveAttribute(
          'title',
          a.id.nodeId,
        );
        await expect(shown.shardRows.getByTestId('shard-reachable')).toHaveText('✓ reachable');
        const choice = pool.providers[0];
        await expect(shown.providerRows).toHaveCount(1);
        await expect(shown.providerRows.getByRole('rowheader')).toHaveText(a.id.nodeIdShort);
        await expect(shown.providerRows.getByTestId('provider-certified')).toHaveText('✓ yes');
        await expect(shown.providerRows.getByTestId('provider-reason')).toHaveText(choice?.reason ?? '');
        await expect(shown.providerRows.getByTestId('provider-reason')).toContainText('(balanced)');
        await expect(shown.providerRows.getByTestId('provider-score')).toHaveText((choice?.score ?? NaN).toFixed(3));
        await expect(b.memory.usedEmpty).toHaveCount(0);
      });

      await test.step('B writes and reads through the API and flushes from its page: the traffic shows', async () => {
        if (!pool) throw new Error('no pool');
        const data = pattern(8192);
        const written = await b.node.ask<{ written: number }>('writeRemoteMemory', [
          pool.address,
          0,
          data.toString('base64'),
        ]);
        expect(written).toEqual({ ok: true, value: { written: 8192 } });
        const read = await b.node.ask<{ data: string }>('readRemoteMemory', [pool.address, 0, 8192]);
        expect(read.ok ? Buffer.from(read.value.data, 'base64').equals(data) : read).toBe(true);

        const shown = b.memory.pool(pool.address);
        await expect(shown.cache).toHaveText('2 pages cached (8 KiB), 2 not yet written back');
        await shown.flushButton.click();
        await expect(shown.result).toHaveText('✓ 2 pages written back to the providers.', { timeout: 30_000 });
        await expect(shown.traffic).toHaveText('8 KiB read, 8 KiB written');
        await expect(shown.cache).toHaveText('2 pages cached (8 KiB), all written back');
        await expectAccessible(b.page);
        await b.page.screenshot({ path: 'test-results/screenshots/memory-pool.png', fullPage: true });
      });

      await test.step('A’s page shows the mapping: B as its consumer, with the traffic; A revokes it', async () => {
        if (!pool) throw new Error('no pool');
        const provided = (await a.node.call<ProxyStatusView>('getProxyStatus')).provided;
        const mapping = provided.find((m) => m.address === pool?.shards[0]?.address);
        expect(mapping).toMatchObject({ consumer: b.id.nodeId, state: 'active', permissions: 'rw' });
        expect(mapping?.writes).toBeGreaterThan(0);
        if (!mapping) throw new Error('no mapping');

        await a.ui.open('memory');
        const row = a.memory.mapping(mapping.address);
        await expect(row.getByTestId('mapping-consumer')).toHaveText(b.id.nodeIdShort);
        await expect(row.getByTestId('mapping-consumer').getByText(b.id.nodeIdShort)).toHaveAttribute(
          'title',
          b.id.nodeId,
        );
        await expect(row.getByTestId('mapping-size')).toHaveText(formatBytes(mapping.length));
        await expect(row.getByTestId('mapping-state')).toHaveText('● Active');
        await expect(row.getByTestId('mapping-traffic')).toContainText(
          `${formatBytes(mapping.bytesWritten)} written in ${plural(mapping.writes, 'write', 'writes')}`,
        );
        await expectAccessible(a.page);
        await a.page.screenshot({ path: 'test-results/screenshots/memory-provided.png', fullPage: true });

        await a.memory.revoke(mapping.address);
        await expect(row.getByTestId('mapping-state')).toHaveText('✗ Revoked');
        await expect(row.getByRole('button')).toHaveCount(0);
        await expect(row.getByTestId('mapping-revoke-error')).toHaveCount(0);
        const after = (await a.node.call<ProxyStatusView>('getProxyStatus')).provided;
        expect(after.find((m) => m.address === mapping.address)?.state).toBe('revoked');
      });

      await test.step('B is refused on a page it has not cached (PROXY_REFUSED, REVOKED); its page shows the shard lost', async () => {
        if (!pool) throw new Error('no pool');
        // Pages 0 and 1 are in B's cache; page 1024 (4 MiB in) has to come from A, which refuses.
        const refused = await b.node.ask<{ data: string }>('readRemoteMemory', [pool.address, 4 * MIB, 4096]);
        expect(refused.ok ? 'read' : refused.error.code).toBe('PROXY_REFUSED');
        expect(refused.ok ? '' : refused.error.message).toMatch(/REVOKED/);
        await b.ui.open('memory');
        await expect(b.memory.pool(pool.address).shardRows.getByTestId('shard-reachable')).toHaveText('✗ unreachable');
      });
    },
  );
});
