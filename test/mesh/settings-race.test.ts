import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetView } from '../../src/shared/assets';
import type { RemoteAssetView } from '../../src/shared/mesh';
import { CLI, MeshProcess, until } from './cluster';

/**
 * A sharing change raced against the node's start, across processes: each trial starts a real `hypermesh node`,
 * and as soon as it is ready (its api.json written) waits a given delay and turns sharing on over the loopback API.
 * Whatever the delay, the node must offer its CPU (getAssets: allowed > 0, registered) and announce it (the CA, its
 * mesh peer, finds it). The node's hardware is the real machine's, read while the node is already serving.
 */
const run = promisify(execFile);
const DELAYS_MS = [0, 20, 150, 1_000];

let ca: MeshProcess;
const nodes: MeshProcess[] = [];

beforeAll(async () => {
  ca = new MeshProcess('race-ca', 0, ['trust', 'serve', '--name', 'Race Test CA']);
  await ca.start();
}, 120_000);

afterAll(async () => {
  await Promise.all([ca, ...nodes].map((p) => p.stop()));
  for (const p of [ca, ...nodes]) p.removeData();
});

describe('a sharing change raced against the start of a node process', () => {
  it.each(DELAYS_MS)(
    'turned on %i ms after api.json appears: offered and announced',
    async (delayMs) => {
      const node = new MeshProcess(`race-${delayMs}`, 0);
      nodes.push(node);
      // Where the CA is, stored before the start (the command line changes the stored settings of a stopped node).
      const set = (path: string, value: string) =>
        run(process.execPath, [CLI, 'settings', 'set', path, value, '--data-dir', node.dataDir]);
      await set('trust.caAddress', ca.stoqAddress);
      await set('mesh', JSON.stringify({ bootstrap: ca.stoqAddress, mdns: false }));

      await node.start();
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      await node.call('updateSettings', {
        privacyLevel: 'FullPublic',
        allocationType: 'Public',
        allocation: { cpu: 50 },
      });
      const nodeId = (await node.call<{ nodeId: string }>('getStatus')).nodeId;

      const cpu = await until('the CPU to be offered', async () => {
        const view = (await node.call<AssetView[]>('getAssets')).find((v) => v.kind === 'cpu');
        return view?.registration.state === 'registered' ? view : undefined;
      });
      expect(cpu.allowed).toBeGreaterThan(0);
      expect(cpu.visibility).not.toMatch(/^nobody/); // shared, not 'not shared, never announced'
      await until('the CA to find the CPU in the node\u2019s announcement', async () => {
        const hits = await ca.call<RemoteAssetView[]>('searchAssets', { kind: 'cpu' });
        return hits.some((h) => h.owner === nodeId && h.capacity.allowed === cpu.allowed) ? true : undefined;
      });
      // Still as set (a later reading of the machine must not undo it).
      expect((await node.call<{ sharing: string }>('getStatus')).sharing).toBe('active');
      await node.stop();
    },
    240_000,
  );
});
