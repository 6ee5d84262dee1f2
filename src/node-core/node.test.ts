import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../shared/api/contract';
import { ValidationError } from '../shared/errors';
import { DEFAULT_SETTINGS, type Settings } from '../shared/settings';
import { DataDirLockedError, NodeStoppedError } from './errors';
import { LogBook } from './logging/log-book';
import { createNode } from './node';
import { fixedHardware } from './testing/fixed-hardware';
import { useTempDirs } from './testing/temp-dir';

const tempDir = useTempDirs();

function quietNode(dataDir: string) {
  return createNode({ dataDir }, { hardware: fixedHardware(), logBook: new LogBook() });
}

/** A node with STOQ on [::1] and a free port. */
function listeningNode(dataDir: string) {
  return createNode(
    { dataDir, listen: { host: '::1', port: 0 } },
    { hardware: fixedHardware(), logBook: new LogBook() },
  );
}

describe('node lifecycle', () => {
  it('keeps identity and settings across a restart', async () => {
    const dir = tempDir();
    const a = quietNode(dir);
    await a.start();
    const status = await a.api.getStatus();
    expect(status.sharing).toBe('off');
    await a.api.updateSettings({ privacyLevel: 'PublicNetwork', allocation: { cpu: 25 } });
    await a.stop();
    await a.stop();

    const b = quietNode(dir);
    await b.start();
    const after = await b.api.getStatus();
    expect(after.nodeId).toBe(status.nodeId);
    const settings = await b.api.getSettings();
    expect(settings.privacyLevel).toBe('PublicNetwork');
    expect(settings.allocation.cpu).toBe(25);
    expect(after.sharing).toBe('active');
    expect(after.effectiveAllocation.cpu).toBe(25);
    await b.stop();
  });

  it('refuses a second node on the same data directory', async () => {
    const dir = tempDir();
    const a = quietNode(dir);
    await a.start();
    await expect(quietNode(dir).start()).rejects.toThrow(DataDirLockedError);
    await a.stop();
  });

  it('answers no calls once stopped', async () => {
    const node = quietNode(tempDir());
    await node.start();
    await node.stop();
    await expect(node.api.getSettings()).rejects.toThrow(NodeStoppedError);
  });
});

describe('settings through the node', () => {
  it('emits events and persists a valid change in one write', async () => {
    const node = quietNode(tempDir());
    await node.start();
    const seen: Settings[] = [];
    const statuses: NodeStatus[] = [];
    node.events.on('settingsChanged', (s) => seen.push(s));
    node.events.on('status', (s) => statuses.push(s));
    await node.api.updateSettings({ sharingPaused: true, privacyLevel: 'P2P', allocation: { memory: 50 } });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.allocation.memory).toBe(50);
    expect(statuses[0]?.sharing).toBe('paused');
    expect(statuses[0]?.effectiveAllocation.memory).toBe(0);
    await node.stop();
  });

  it('rejects a bad patch and keeps what was stored', async () => {
    const dir = tempDir();
    const node = quietNode(dir);
    await node.start();
    await node.api.updateSettings({ allocation: { cpu: 10 } });
    await expect(node.api.updateSettings({ allocation: { cpu: 120, gpu: 5 } })).rejects.toThrow(ValidationError);
    expect((await node.api.getSettings()).allocation).toMatchObject({ cpu: 10, gpu: 0 });
    await node.stop();
    const db = new Database(join(dir, 'hypermesh.db'), { readonly: true });
    const row = db.prepare('SELECT document FROM settings').get() as { document: string };
    expect((JSON.parse(row.document) as Settings).allocation.cpu).toBe(10);
    db.close();
  });

  it('recovers from a corrupted settings row: warns, shares nothing, keeps the row', async () => {
    const dir = tempDir();
    const first = quietNode(dir);
    await first.start();
    await first.api.updateSettings({ privacyLevel: 'FullPublic', allocation: { cpu: 80 } });
    await first.stop();
    const db = new Database(join(dir, 'hypermesh.db'));
    db.prepare('UPDATE settings SET document = \'{"privacyLevel": "FullPub\' WHERE id = 1').run();
    db.close();

    const node = quietNode(dir);
    await node.start();
    const status = await node.api.getStatus();
    expect(status.health.map((h) => h.code)).toEqual(['SETTINGS_RECOVERED']);
    expect(status.sharing).toBe('off');
    expect(await node.api.getSettings()).toEqual(DEFAULT_SETTINGS);
    await node.api.updateSettings({ privacyLevel: 'P2P' });
    expect((await node.api.getStatus()).health).toEqual([]);
    await node.stop();
    const check = new Database(join(dir, 'hypermesh.db'), { readonly: true });
    expect(check.prepare('SELECT content FROM quarantine').all()).toEqual([{ content: '{"privacyLevel": "FullPub' }]);
    check.close();
  });
});

describe('hardware and logs', () => {
  it('reads hardware once and caches it', async () => {
    const hardware = fixedHardware();
    const node = createNode({ dataDir: tempDir() }, { hardware, logBook: new LogBook() });
    await node.start();
    expect((await node.api.getHardware()).cpu.logicalCores).toBe(8);
    await node.api.getHardware();
    expect(hardware.reads).toBe(1);
    await node.stop();
  });

  it('logs what happens, searchable', async () => {
    const node = quietNode(tempDir());
    await node.start();
    await node.api.updateSettings({ allocation: { storage: 5 } });
    const logs = await node.api.getLogs({ text: 'settings changed' });
    expect(logs).toHaveLength(1);
    expect(logs[0]?.message).toContain('"storage":5');
    expect(await node.api.getLogs({ minLevel: 'error' })).toEqual([]);
    await node.stop();
  });
});

describe('peer transport', () => {
  it('listens when asked, and two nodes talk over STOQ', async () => {
    const a = listeningNode(tempDir());
    const b = listeningNode(tempDir());
    await a.start();
    await b.start();
    const stats = await b.api.getNetworkStats();
    expect(stats.listening?.host).toBe('::1');
    const link = await a.transport!.dial(b.transport!.address, b.identity.nodeId);
    expect(Buffer.from(await link.request('stoq.ping', Buffer.from('hi'))).toString()).toBe('hi');
    const after = await b.api.getNetworkStats();
    expect(after.totals.connections).toBe(1);
    expect(after.connections[0]?.nodeId).toBe(a.identity.nodeId);
    await a.stop();
    await b.stop();
  });

  it('without a listen address it reports no transport', async () => {
    const node = quietNode(tempDir());
    await node.start();
    expect((await node.api.getNetworkStats()).listening).toBeNull();
    await node.stop();
  });

  it('applies a bandwidth cap and tier pin from settings', async () => {
    const node = listeningNode(tempDir());
    await node.start();
    await node.api.getHardware();
    // updateSettings applies the network settings before it returns: the stats read next must show them.
    await node.api.updateSettings({ network: { bandwidthCapMbps: 40, tier: '100M' } });
    const stats = await node.api.getNetworkStats();
    expect(stats.bandwidthCapBitsPerSec).toBe(40e6);
    expect(stats.pinnedTier).toBe('100M');
    await node.stop();
  });

  it('explains a STOQ port in use', async () => {
    const a = listeningNode(tempDir());
    await a.start();
    const port = (await a.api.getNetworkStats()).listening!.port;
    const b = createNode(
      { dataDir: tempDir(), listen: { host: '::1', port } },
      { hardware: fixedHardware(), logBook: new LogBook() },
    );
    await expect(b.start()).rejects.toThrow(`UDP port ${port} on ::1 is already in use`);
    const c = createNode(
      { dataDir: tempDir(), listen: { host: '::1', port }, transportRequired: false },
      { hardware: fixedHardware(), logBook: new LogBook() },
    );
    await c.start();
    expect((await c.api.getStatus()).health.map((h) => h.code)).toEqual(['TRANSPORT_UNAVAILABLE']);
    await c.stop();
    await a.stop();
  });
});

describe('peer address book', () => {
  it('remembers where a dialled node listens, across restarts, and dials it by NodeId', async () => {
    const dirA = tempDir();
    const mk = (dir: string) => listeningNode(dir);
    const b = mk(tempDir());
    await b.start();
    let a = mk(dirA);
    await a.start();
    await a.transport!.dial(b.transport!.address, b.identity.nodeId);
    await a.stop();
    a = mk(dirA);
    await a.start();
    const link = await a.transport!.dialNode(b.identity.nodeId);
    expect(link.peer.nodeId).toBe(b.identity.nodeId);
    await expect(a.transport!.dialNode('unknownnode')).rejects.toThrow('no known address for NodeId unknownnode');
    await a.stop();
    await b.stop();
  });
});
