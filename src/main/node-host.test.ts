import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../shared/api/contract';
import { NodeHost } from './node-host';
import { useCleanups, useNodeEntry } from './testing/desktop-tests';
import { ElectronDouble } from './testing/electron-double';

const entry = useNodeEntry();

const cleanups = useCleanups();

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'hm-host-'));
  const electron = new ElectronDouble({ userData: dir });
  const host = new NodeHost({ utilityProcess: electron.utilityProcess, entry: entry(), args: ['--data-dir', dir] });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => electron.killAll());
  return { dir, electron, host };
}

const once = <T>(host: NodeHost, name: 'ready' | 'crashed' | 'failed') =>
  new Promise<T>((resolve) => {
    const off = host.events.on(name, (v) => {
      off();
      resolve(v as T);
    });
  });

describe('NodeHost (a real node process)', () => {
  it('relays calls, validation errors and events, and stops the node cleanly', async () => {
    const { host } = setup();
    const ready = once<{ nodeIdShort: string }>(host, 'ready');
    host.start();
    const info = await ready;
    const status = await host.call('getStatus', []);
    expect(status.ok && (status.value as NodeStatus).nodeIdShort).toBe(info.nodeIdShort);
    // The node process validates like every carrier: codes, not text.
    const bad = await host.call('updateSettings', [{ allocation: { cpu: 900 } }]);
    expect(bad.ok ? null : bad.error.code).toBe('INVALID_ARGUMENT');
    const unknown = await host.call('formatDisk', []);
    expect(unknown.ok ? null : unknown.error.code).toBe('UNKNOWN_METHOD');
    expect((await host.call(42, 'x')).ok).toBe(false);
    const changed = new Promise<unknown>((resolve) => {
      const off = host.events.on('event', (m) => {
        if (m.event === 'settingsChanged') {
          off();
          resolve(m.payload);
        }
      });
    });
    expect((await host.call('updateSettings', [{ sharingPaused: true }])).ok).toBe(true);
    expect(await changed).toMatchObject({ sharingPaused: true });
    expect(await host.stop()).toBe('clean');
    expect(host.running).toBe(false);
    expect((await host.call('getStatus', [])).ok).toBe(false);
  });

  it('reports a node that cannot start (data folder locked by another node) without restarting it', async () => {
    const { dir, electron, host } = setup();
    const first = once(host, 'ready');
    host.start();
    await first;
    const second = new NodeHost({ utilityProcess: electron.utilityProcess, entry: entry(), args: ['--data-dir', dir] });
    const failed = once<{ error: { code: string } }>(second, 'failed');
    second.start();
    expect((await failed).error.code).toBe('DATA_DIR_LOCKED');
    expect(second.log).toMatch(/could not start/);
    expect(await host.stop()).toBe('clean');
  });

  it('kills a node process that does not stop within the bound', async () => {
    const { dir, electron } = setup();
    // A stand-in that starts like the node and then ignores stop frames and SIGTERM: a hung node.
    const hung = join(dir, 'hung.mjs');
    writeFileSync(
      hung,
      "process.on('SIGTERM', () => {}); process.on('message', () => {});\n" +
        "process.send({ t: 'ready', nodeId: 'x', nodeIdShort: 'hm-x' });\n",
    );
    const host = new NodeHost({ utilityProcess: electron.utilityProcess, entry: hung, args: [] });
    const ready = once(host, 'ready');
    host.start();
    await ready;
    const pid = host.pid ?? 0;
    expect(await host.stop(200)).toBe('killed');
    expect(() => process.kill(pid, 0)).toThrow();
    expect(host.log).toMatch(/did not stop within 200 ms/);
  });
});
