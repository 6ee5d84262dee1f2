import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateIdentity } from '../src/node-core/identity/identity';
import { LogBook } from '../src/node-core/logging/log-book';
import { createStoqTransport } from '../src/node-core/transport/stoq/transport';
import { expect, test } from './support/fixtures';

interface NetworkStats {
  listening: { host: string; port: number } | null;
  connections: { nodeId: string | null; bytesReceived: number }[];
}

test.describe('STOQ between two processes on ::1', () => {
  test.skip(({ target }) => target !== 'web', 'runs against the headless node');

  test('mutual auth, RPC, and a 256 MiB bulk transfer whose SHA-256 matches on both ends', async ({ app }) => {
    test.setTimeout(180_000);
    const stats = await app.call<NetworkStats>('getNetworkStats');
    expect(stats.listening?.host).toBe('::1');
    const { nodeId } = await app.call<{ nodeId: string }>('getStatus');

    const dir = mkdtempSync(join(tmpdir(), 'hypermesh-peer-'));
    const identity = loadOrCreateIdentity(dir);
    const transport = createStoqTransport({ host: '::1', port: 0, identity, log: new LogBook().logger('peer') });
    await transport.start();
    try {
      const link = await transport.dial({ host: '::1', port: stats.listening!.port }, nodeId);
      expect(Buffer.from(await link.request('stoq.ping', Buffer.from('ping'))).toString()).toBe('ping');

      const total = 256 * 1024 * 1024;
      const block = randomBytes(1024 * 1024);
      const sent = createHash('sha256');
      function* data() {
        for (let i = 0; i < total / block.length; i++) {
          block.writeUInt32BE(i, 0); // every MiB differs, so a reordered or repeated chunk changes the hash
          sent.update(block);
          yield Buffer.from(block);
        }
      }
      const answer = JSON.parse(Buffer.from(await link.bulk('stoq.digest', Buffer.alloc(0), data())).toString()) as {
        sha256: string;
        bytes: number;
      };
      expect(answer.bytes).toBe(total);
      expect(answer.sha256).toBe(sent.digest('hex'));

      const after = await app.call<NetworkStats>('getNetworkStats');
      const peer = after.connections.find((c) => c.nodeId === identity.nodeId);
      expect(peer?.bytesReceived).toBeGreaterThan(total);

      await app.ui.open('network');
      await expect(app.page.getByTestId('peer-table')).toContainText(`hm-${identity.nodeId.slice(0, 4)}`);
      await expect(app.page.getByTestId('stoq-listening')).toContainText('[::1]:');
      await app.page.screenshot({ path: 'test-results/screenshots/network-peer.png', fullPage: true });
    } finally {
      await transport.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
