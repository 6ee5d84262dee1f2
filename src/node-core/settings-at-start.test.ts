import { describe, expect, it } from 'vitest';
import type { HardwareInfo } from '../shared/hardware';
import { formatHostPort } from '../shared/network';
import type { HardwareProbe } from './hardware/hardware';
import { certify, useNodes } from './testing/nodes';
import { fixedHardware } from './testing/fixed-hardware';
import { until } from './testing/until';

const start = useNodes({ timing: { mesh: { intervalMs: 500 } } });

/** The fixed reading, held back until `release()`: the node is up while its hardware is still being read. */
function heldHardware(): HardwareProbe & { release: () => void } {
  const inner = fixedHardware();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  return {
    release,
    read: async (dataDir: string): Promise<HardwareInfo> => {
      await gate;
      return inner.read(dataDir);
    },
    usage: () => inner.usage(),
  };
}

const SHARE = { privacyLevel: 'FullPublic', allocationType: 'Public', allocation: { cpu: 50 } } as const;

describe('a settings change takes effect whenever it is made during the start', () => {
  it('while the hardware is read: the assets get the latest caps and are registered, the network its tier', async () => {
    const ca = await start({ authority: { name: 'Start CA' } });
    const hardware = heldHardware();
    const node = await start({}, { hardware });
    await certify(node, formatHostPort(ca.transport!.address));
    let ready = false;
    void node.assets!.ready.then(() => (ready = true));
    await node.api.updateSettings({
      ...SHARE,
      allocation: { cpu: 50, bandwidth: 50 },
      network: { tier: '1G', bandwidthCapMbps: 10 },
    });
    expect(ready).toBe(false); // the change was made before the registry was ready
    hardware.release();
    await node.assets!.ready;
    await node.assets!.settled();
    const cpu = (await node.api.getAssets()).find((v) => v.kind === 'cpu')!;
    expect(cpu).toMatchObject({ total: 8, allowed: 4, registration: { state: 'registered' } });
    expect((await node.api.getStatus()).sharing).toBe('active');
    const stats = await node.api.getNetworkStats();
    expect(stats.pinnedTier).toBe('1G');
    expect(stats.bandwidthCapBitsPerSec).toBe(10_000_000);
  });

  it('while a registration is being proved: the offer as it is now is registered once that one is done', async () => {
    const ca = await start({ authority: { name: 'Start CA' } });
    const node = await start({});
    await certify(node, formatHostPort(ca.transport!.address));
    await node.assets!.ready;
    await node.api.updateSettings({ privacyLevel: 'P2P', allocationType: 'Public', allocation: { cpu: 25 } });
    // The first registration (P2P, 2 cores) is in flight; the user changes their mind before it is done.
    await node.api.updateSettings(SHARE);
    await node.assets!.settled();
    const cpu = (await node.api.getAssets()).find((v) => v.kind === 'cpu')!;
    expect(cpu).toMatchObject({ allowed: 4, registration: { state: 'registered' } });
    const own = node.assets!.announcementsFor({ nodeId: '', presentsAllFourProofs: true });
    const announced = own.map((a) => a.announcement).find((a) => 'kind' in a && a.kind === 'cpu');
    expect(announced).toMatchObject({ privacyLevel: 'FullPublic', capacity: { allowed: 4 } });
  });

  it('while the node waits for its certificate: a peer finds what was shared in the announcement', async () => {
    const ca = await start({ authority: { name: 'Start CA' } });
    const caAddress = formatHostPort(ca.transport!.address);
    const hardware = heldHardware();
    const node = await start({}, { hardware });
    // Sharing turned on before the hardware reading, the certificate and the mesh: all of them come later.
    await node.api.updateSettings(SHARE);
    hardware.release();
    await certify(node, caAddress);
    await until(
      'the CA to find the node\u2019s CPU',
      async () => {
        const hits = await ca.api.searchAssets({ kind: 'cpu' });
        return hits.some((h) => h.owner === node.identity.nodeId && h.capacity.allowed === 4) ? true : undefined;
      },
      90_000,
    );
  });
});
