import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NodeStatus } from '../src/shared/api/contract';
import type { Settings } from '../src/shared/settings';
import type { TrustStatus } from '../src/shared/trust';
import { expectAccessible } from './support/a11y';
import { AppPage } from './support/app-page';
import { CA_NAME, CERTIFIED_TIMEOUT, expect, test, type HyperMeshApp } from './support/fixtures';
import { CLI, NodeProcess, newDataDir } from './support/node-process';

const run = promisify(execFile);
const OPENSSL = existsSync('/usr/bin/openssl') ? '/usr/bin/openssl' : 'openssl';

/** Points the app's node at the CA through the API (the first spec does it through the UI) and waits for its certificate. */
async function certify(app: HyperMeshApp, ca: NodeProcess, timeout = CERTIFIED_TIMEOUT): Promise<TrustStatus> {
  await app.call('updateSettings', [{ trust: { caAddress: await ca.stoqAddress() } }]);
  await expect
    .poll(
      async () => {
        const status = await app.call<TrustStatus>('getTrustStatus');
        return status.state === 'certified' ? 'certified' : `${status.state}: ${status.problem ?? ''}`;
      },
      { timeout },
    )
    .toBe('certified');
  return app.call<TrustStatus>('getTrustStatus');
}

function leafOf(status: TrustStatus) {
  const leaf = status.certificate?.chain[0];
  if (!leaf) throw new Error(`the node has no certificate: ${JSON.stringify(status)}`);
  return leaf;
}

test.describe('TrustChain: a node certified by a CA in another process', () => {
  test.skip(({ target }) => target !== 'web', 'runs the headless node, a CA node and the CLI');
  // Two nodes (one generating CA keys) and a browser per test: room for a loaded CI machine.
  test.describe.configure({ timeout: 240_000 });

  test('Settings points the node at the CA; Certificates shows it certified, with chain, log entry and federation', async ({
    app,
    ca,
  }) => {
    const caAddress = await ca.stoqAddress();
    await app.ui.open('settings');
    const trust = app.ui.trustSettings();
    await expect(trust.caAddress).toHaveValue('trust.hypermesh.online:9292');

    // A malformed address is refused on the page and never reaches the node.
    await trust.setCaAddress('[::1]9292');
    await expect(trust.caAddress).toHaveAttribute('aria-invalid', 'true');
    await expect(trust.section).toContainText('Enter HOST:PORT');
    await expect(trust.caAddress).toBeFocused();
    expect((await app.call<Settings>('getSettings')).trust.caAddress).toBe('trust.hypermesh.online:9292');

    await trust.setCaAddress(caAddress);
    await expect(trust.saved).toHaveText('Saved.');
    await expect(trust.caAddress).toHaveAttribute('aria-invalid', 'false');
    expect((await app.call<Settings>('getSettings')).trust).toEqual({
      caAddress,
      caRootSha256: null,
      acceptSelfSignedPeers: false,
    });

    await app.ui.open('certificates');
    const page = app.ui.certificates();
    await expect(page.state).toHaveText(/Certified/, { timeout: CERTIFIED_TIMEOUT });
    await expect(page.caAddress).toHaveText(caAddress);
    const status = await app.call<TrustStatus>('getTrustStatus');
    const leaf = leafOf(status);
    const { nodeId } = await app.call<NodeStatus>('getStatus');
    await expect(page.serial).toHaveText(leaf.serial);
    await expect(page.expiry).toContainText(/expires in \d+ h/);

    await expect(page.chain).toHaveCount(3);
    await expect(page.chain.nth(0)).toContainText('This node');
    await expect(page.chain.nth(0)).toContainText(`CN=${nodeId}`);
    await expect(page.chain.nth(1)).toContainText('Intermediate CA');
    await expect(page.chain.nth(1)).toContainText(CA_NAME);
    await expect(page.chain.nth(2)).toContainText('Root CA (self-signed)');

    // The CA logged its own certificate first, then ours.
    const ct = status.certificate?.transparency;
    expect(ct?.treeSize).toBeGreaterThanOrEqual(2);
    expect(ct?.leafIndex).toBeGreaterThanOrEqual(1);
    await expect(page.transparency).toContainText(`entry ${(ct?.leafIndex ?? 0) + 1} of ${ct?.treeSize}`);
    await expect(page.inclusion).toHaveText('✓ verified on this node');

    await expect(page.federationSummary).toHaveText('Epoch 1: 1 of 1 CA must co-sign each certificate.');
    const row = page.federation.getByRole('row', { name: CA_NAME });
    await expect(row).toContainText(caAddress);
    await expect(row).toContainText('✓ yes, ours');
    await expect(page.authority).toHaveCount(0);

    await expectAccessible(app.page);
    await app.page.screenshot({ path: 'test-results/screenshots/certificates-certified.png', fullPage: true });
  });

  test('a pinned root: the wrong one is refused with the reason, the right one (as openssl prints it) certifies', async ({
    app,
    ca,
  }) => {
    const root = (await ca.call<TrustStatus>('getTrustStatus')).certificate?.chain[2]?.sha256 ?? '';
    expect(root).toMatch(/^[0-9a-f]{64}$/);
    const wrong = 'ab'.repeat(32);
    await app.ui.open('settings');
    const trust = app.ui.trustSettings();
    await trust.rootPin.fill('not hex');
    await trust.setCaAddress(await ca.stoqAddress());
    await expect(trust.rootPin).toHaveAttribute('aria-invalid', 'true');
    await expect(trust.rootPin).toBeFocused();
    await expect(trust.section).toContainText('64 hexadecimal digits');

    await trust.rootPin.fill(wrong);
    await trust.save();
    await expect(trust.saved).toHaveText('Saved.');
    await app.ui.open('certificates');
    const page = app.ui.certificates();
    await expect(page.problem).toContainText(`not the pinned ${wrong}`);
    await expect(page.state).toHaveText(/Not certified yet/);

    await app.ui.open('settings');
    await trust.rootPin.fill(root.toUpperCase().replace(/(..)(?!$)/g, '$1:'));
    await trust.save();
    await expect(trust.saved).toHaveText('Saved.');
    expect((await app.call<Settings>('getSettings')).trust.caRootSha256).toBe(root);
    await app.ui.open('certificates');
    await expect(page.state).toHaveText(/Certified/);
    await expect(page.chain.nth(2)).toContainText(root);
  });

  test('cert show matches the page; cert export writes a chain that openssl verifies', async ({ app, ca }) => {
    const status = await certify(app, ca);
    await app.ui.open('certificates');
    const shownSerial = (await app.ui.certificates().serial.textContent())?.trim();
    expect(shownSerial).toBe(leafOf(status).serial);

    const show = await run(process.execPath, [CLI, 'cert', 'show', '--json', '--data-dir', app.dataDir]);
    const report = JSON.parse(show.stdout) as {
      nodeId: string;
      serial: string;
      expired: boolean;
      transparency: { leafIndex: number; treeSize: number } | null;
      chain: { file: string }[];
    };
    expect(report.serial).toBe(shownSerial);
    expect(report.nodeId).toBe((await app.call<NodeStatus>('getStatus')).nodeId);
    expect(report.expired).toBe(false);
    expect(report.transparency).toMatchObject({
      leafIndex: status.certificate?.transparency.leafIndex,
      treeSize: status.certificate?.transparency.treeSize,
    });
    expect(report.chain.map((c) => c.file)).toEqual(['node.pem', 'intermediate.pem', 'root.pem']);

    const out = mkdtempSync(join(tmpdir(), 'hypermesh-certs-'));
    try {
      const exported = await run(process.execPath, [CLI, 'cert', 'export', '--out', out, '--data-dir', app.dataDir]);
      expect(exported.stdout.trim().split('\n')).toEqual(
        ['root.pem', 'intermediate.pem', 'node.pem'].map((f) => join(out, f)),
      );
      const verify = await run(
        OPENSSL,
        ['verify', '-CAfile', 'root.pem', '-untrusted', 'intermediate.pem', 'node.pem'],
        {
          cwd: out,
        },
      );
      expect(verify.stdout.trim()).toBe('node.pem: OK');
      // Without the intermediate the leaf does not chain to the root: the export really is a chain.
      await expect(run(OPENSSL, ['verify', '-CAfile', 'root.pem', 'node.pem'], { cwd: out })).rejects.toThrow();
      const serial = await run(OPENSSL, ['x509', '-in', 'node.pem', '-noout', '-serial'], { cwd: out });
      // openssl prints whole bytes (a leading 0 when the first byte is below 0x10); the app's canonical form has none.
      expect(
        serial.stdout
          .trim()
          .toLowerCase()
          .replace(/^serial=0+(?=.)/, 'serial='),
      ).toBe(`serial=${shownSerial}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('the CA revokes the certificate from its own CLI; its Certificates page counts it', async ({
    app,
    ca,
    browser,
  }) => {
    const serial = leafOf(await certify(app, ca)).serial;
    const before = (await ca.call<TrustStatus>('getTrustStatus')).authority;
    expect(before).toMatchObject({ name: CA_NAME, revoked: 0 });

    const revoked = await run(process.execPath, [
      CLI,
      'trust',
      'revoke',
      serial.toUpperCase(),
      '--reason',
      'e2e: key retired',
      '--data-dir',
      ca.dataDir,
    ]);
    expect(revoked.stdout).toBe(`revoked ${serial}\n`);
    expect((await ca.call<TrustStatus>('getTrustStatus')).authority).toMatchObject({
      revoked: 1,
      issued: before?.issued,
    });
    await expect(
      run(process.execPath, [CLI, 'trust', 'revoke', 'ab12', '--data-dir', ca.dataDir]),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('issued no certificate with serial ab12') });
    // Only a node that runs a CA can revoke.
    await expect(
      run(process.execPath, [CLI, 'trust', 'revoke', serial, '--data-dir', app.dataDir]),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('does not run a certificate authority') });

    // The CA node serves the same UI: its Certificates page says it is a CA and counts the revocation.
    const context = await browser.newContext();
    try {
      const caPage = await context.newPage();
      await caPage.goto(ca.url);
      const ui = new AppPage(caPage);
      await ui.open('certificates');
      const page = ui.certificates();
      await expect(page.state).toHaveText(/Certified/);
      await expect(page.caAddress).toHaveText(`this node (${CA_NAME})`);
      await expect(page.authority.getByTestId('authority-revoked')).toHaveText('1');
      await expect(page.authority.getByTestId('authority-issued')).toHaveText(String(before?.issued));
      await expectAccessible(caPage);
      await caPage.screenshot({ path: 'test-results/screenshots/certificates-ca.png', fullPage: true });
    } finally {
      await context.close();
    }
  });

  test('http3://trust opens Certificates and resolves through the CA to the CA node', async ({ app, ca }) => {
    await certify(app, ca);
    const caNode = await ca.call<NodeStatus>('getStatus');
    const box = app.ui.addressBox();
    await box.open('http3://trust');
    await expect(app.ui.heading()).toHaveText('Certificates');
    await expect(box.resolution).toHaveText(`http3://trust → ${caNode.nodeIdShort} (verified by ${CA_NAME})`);
    await expect(box.resolution.getByText(caNode.nodeIdShort)).toHaveAttribute('title', caNode.nodeId);
    await box.open('http3://caesar');
    await expect(app.ui.heading()).toHaveText('Wallet');
    await expect(box.resolution).toHaveText(`http3://caesar → ${caNode.nodeIdShort} (verified by ${CA_NAME})`);
  });

  test('two nodes in their own processes, certified by the CA, know each other as TrustChain peers over STOQ', async ({
    app,
    ca,
    node,
  }) => {
    await certify(app, ca);
    await node.call('updateSettings', [{ trust: { caAddress: await ca.stoqAddress() } }]);
    await expect
      .poll(async () => (await node.call<TrustStatus>('getTrustStatus')).state, { timeout: CERTIFIED_TIMEOUT })
      .toBe('certified');
    const other = await node.call<NodeStatus>('getStatus');

    await app.ui.open('network');
    // A malformed address is refused on the page.
    await app.page.getByLabel('Peer address').fill('::1:9292');
    await app.page.getByRole('button', { name: 'Connect' }).click();
    await expect(app.page.locator('#peer-address-error')).toContainText('Enter an address');
    await app.page.getByLabel('Peer address').fill(await node.stoqAddress());
    await app.page.getByRole('button', { name: 'Connect' }).click();
    await expect(app.page.getByTestId('connect-result')).toHaveText(
      `Connected to ${other.nodeIdShort}: ✓ TrustChain certificate.`,
      { timeout: 60_000 }, // a dial, a QUIC handshake and two chain checks, on a loaded machine
    );
    // One row per connection: under load the two nodes may hold more than one, each certified.
    const row = app.page.getByTestId('peer-table').getByRole('row', { name: other.nodeIdShort }).first();
    await expect(row.getByTestId('peer-identity')).toHaveText('✓ TrustChain certificate');
    // The other side checked our chain too (shown after the handshake, in the STOQ hello).
    const { nodeId } = await app.call<NodeStatus>('getStatus');
    await expect
      .poll(async () => {
        const stats = await node.call<{ connections: { nodeId: string | null; identity: string | null }[] }>(
          'getNetworkStats',
        );
        return stats.connections.find((c) => c.nodeId === nodeId)?.identity;
      })
      .toBe('trustchain');
    await expectAccessible(app.page);
    await app.page.screenshot({ path: 'test-results/screenshots/network-trustchain-peer.png', fullPage: true });
  });

  test('two CA processes form a federation with the CLI; the node is then co-signed by both', async ({ app, ca }) => {
    test.setTimeout(360_000); // a second CA makes its keys, six CLI runs, then a certificate co-signed by both
    const second = new NodeProcess(newDataDir());
    await second.start(['--name', 'Second CA'], ['trust', 'serve']);
    const dir = mkdtempSync(join(tmpdir(), 'hypermesh-federation-'));
    try {
      const cli = (...args: string[]) => run(process.execPath, [CLI, ...args]);
      await cli('trust', 'federation', 'member', '--data-dir', ca.dataDir, '--out', join(dir, 'first.json'));
      await cli('trust', 'federation', 'member', '--data-dir', second.dataDir, '--out', join(dir, 'second.json'));
      const proposal = join(dir, 'proposal.json');
      const members = [join(dir, 'first.json'), join(dir, 'second.json')];
      await cli(
        'trust',
        'federation',
        'propose',
        ...members,
        '--threshold',
        '2',
        '--data-dir',
        ca.dataDir,
        '--out',
        proposal,
      );
      // Not yet signed by everyone: no CA takes it.
      await expect(cli('trust', 'federation', 'adopt', proposal, '--data-dir', ca.dataDir)).rejects.toThrow(
        /signed by 0 of the current CAs/,
      );
      await cli('trust', 'federation', 'sign', proposal, '--data-dir', ca.dataDir);
      const signed = await cli('trust', 'federation', 'sign', proposal, '--data-dir', second.dataDir);
      expect(signed.stdout).toContain('2 of 2 CA(s) have signed');
      // The second CA first, so it co-signs for the first one as soon as that one adopts.
      await cli('trust', 'federation', 'adopt', proposal, '--data-dir', second.dataDir);
      const adopted = await cli('trust', 'federation', 'adopt', proposal, '--data-dir', ca.dataDir);
      expect(adopted.stdout).toContain('now at federation epoch 2 with 2 CA(s)');

      // The app's node bootstraps from the first CA and gets a certificate co-signed by both.
      // The CAs re-certify themselves under the new threshold first (each needs the other's co-signature).
      const status = await certify(app, ca, 2 * CERTIFIED_TIMEOUT);
      expect(status.federation).toMatchObject({ epoch: 2, threshold: 2 });
      expect([...(status.certificate?.cosigners ?? [])].sort()).toEqual([CA_NAME, 'Second CA'].sort());
      await app.ui.open('certificates');
      await expect(app.ui.certificates().federationSummary).toHaveText(
        'Epoch 2: 2 of 2 CAs must co-sign each certificate.',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await second.stop();
      rmSync(second.dataDir, { recursive: true, force: true });
    }
  });

  test('once certified, shared resources become registered assets with an AssetId and all four proofs', async ({
    app,
    ca,
  }) => {
    await certify(app, ca);
    await app.ui.open('sharing');
    await app.call('updateSettings', [
      { privacyLevel: 'FullPublic', allocationType: 'Public', allocation: { cpu: 50 } },
    ]);
    await app.ui.open('assets');
    const cpu = app.page.getByTestId('asset-cpu');
    await expect(cpu.getByTestId('asset-state')).toHaveText('✓ Registered', { timeout: 30_000 });
    await expect(cpu.getByTestId('asset-id')).toHaveText(/^hma1-cpu-[a-z2-7]{52}-[a-z2-7]+-[a-z0-9]+$/);
    await expect(cpu.getByTestId('asset-proofs')).toContainText('✓ PoSpace (where)');
    await expect(cpu.getByTestId('asset-proofs')).toContainText('✓ PoTime (when)');
    await expect(cpu.getByTestId('asset-visibility')).toHaveText('every peer');
    // No GPU on the test machines: reported, not an error.
    await expect(app.page.getByTestId('asset-gpu').getByTestId('asset-state')).toHaveCount(0);
    await expectAccessible(app.page);
    await app.page.screenshot({ path: 'test-results/screenshots/assets-registered.png', fullPage: true });
  });

  test('with TrustChain off, Certificates says so and names still open their pages, unverified', async ({ app }) => {
    await app.ui.open('settings');
    const trust = app.ui.trustSettings();
    await trust.setCaAddress('');
    await expect(trust.saved).toHaveText('Saved.');
    expect((await app.call<Settings>('getSettings')).trust.caAddress).toBe('');

    await app.ui.open('certificates');
    const page = app.ui.certificates();
    await expect(page.state).toHaveText(/Off/);
    await expect(page.caAddress).toHaveText('none configured');
    await expect(app.page.getByRole('region', { name: 'No TrustChain certificate' })).toBeVisible();

    const box = app.ui.addressBox();
    await box.open('http3://hypermesh');
    await expect(app.ui.heading()).toHaveText('Dashboard');
    await expect(box.resolution).toHaveText(
      'http3://hypermesh: node not verified through TrustChain (no TrustChain CA is configured)',
    );

    // The Settings link on the page leads to where a CA is set.
    await app.ui.open('certificates');
    await app.page.getByRole('main').getByRole('link', { name: 'Settings' }).click();
    await expect(app.ui.heading()).toHaveText('Settings');
    await expect(trust.caAddress).toHaveValue('');
  });
});
