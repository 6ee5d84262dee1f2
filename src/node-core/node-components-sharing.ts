import { bandwidthCapBitsPerSec } from '../shared/privacy';
import type { Settings } from '../shared/settings';
import { NodeSharing } from './governor/index';
import type { Logger } from './logging/index';
import type { NodeComponent, NodeComponents } from './node-components';
import { governedSettings } from './node-state';
import { gpuSlotsFor } from './node-views';

// The sharing rules' governor (docs/sharing-rules.md), and what follows its allowance and the settings: the job
// pool's CPU, GPU jobs, the transport's tier and bandwidth cap, the memory pool, the mesh and TrustChain.

/**
 * Built first: the parts after it read its allowance. It reads the assets, the transport and the job pool from the
 * bag (they start later). It polls only while the node runs: node.ts starts it then, and stops it before the others.
 */
export const sharingComponent: NodeComponent = {
  name: 'sharing governor',
  start: (c, node) => {
    const sharing = new NodeSharing({
      settings: () => node.settings(),
      updateSettings: (patch) => node.updateSettings(patch),
      log: node.logBook.logger('sharing'),
      cores: () => c.assets?.adapter('cpu')?.describe().total || null,
      sensors: node.overrides.sensors,
      view: {
        adapter: (kind) => c.assets?.adapter(kind),
        sendBitsPerSec: () => c.transport?.sentBitsPerSec() ?? null,
        bandwidthCapBitsPerSec: () => c.transport?.bandwidthCapBitsPerSec() ?? null,
        peerCpu: node.overrides.peerCpuMeter ?? { coresInUse: () => c.cpuThrottle?.coresInUse() ?? null },
      },
    });
    sharing.subscribe(() => {
      c.cpuThrottle?.allowanceChanged();
      // GPU jobs stop (SIGSTOP, wall clock held) while the rules hold the GPU at 0, and continue after.
      if (c.gpuExecutor && gpuSlots(c) === 0) c.gpuExecutor.pause();
      else c.gpuExecutor?.resume();
      applyNetworkSettings(c, node.settings());
      c.assets?.applyAllowance(); // memory: the pool and new leases follow the rules; CPU/GPU the sliders
      if (!node.running()) return;
      node.events.emit('sharing', sharing.view());
      node.events.emit('status', node.status());
    });
    c.sharing = sharing;
  },
};

/** GPU jobs at once for the GPU share the rules allow now. */
export const gpuSlots = (c: NodeComponents): number => gpuSlotsFor(c.sharing?.current().resources.gpu.percent ?? 0);

/** Settings with the bandwidth share the sharing rules allow now (node-state.ts). */
export const governed = (c: NodeComponents, settings: Settings): Settings =>
  governedSettings(settings, c.sharing?.current().resources.bandwidth.percent);

/** Pins the tier and caps the bandwidth as the settings and the rules say, of the link speed known (c.linkMbps). */
export function applyNetworkSettings(c: NodeComponents, settings: Settings): void {
  if (!c.transport) return;
  c.transport.pinTier(settings.network.tier === 'auto' ? null : settings.network.tier);
  c.transport.setBandwidthCap(bandwidthCapBitsPerSec(governed(c, settings), c.linkMbps ?? null));
}

/** Settings changed through the API: the parts that hold a copy of them follow. */
export function settingsChanged(c: NodeComponents, log: Logger, next: Settings, previous: Settings): void {
  applyNetworkSettings(c, next);
  c.assets?.applySettings(next);
  c.sharing?.settingsChanged();
  if (JSON.stringify(next.mesh) !== JSON.stringify(previous.mesh)) {
    void c.mesh?.restart().catch((err: unknown) => log.warn(`mesh restart: ${(err as Error).message}`));
  }
  if (next.trust.caAddress !== previous.trust.caAddress || next.trust.caRootSha256 !== previous.trust.caRootSha256) {
    c.trust?.restartBootstrap();
  }
}
