import { statfs } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import si from 'systeminformation';
import type { HardwareInfo, UsageSnapshot } from '../../shared/hardware';

/** Reads what this machine has. An interface so tests of other parts can pass a fixed machine. */
export interface HardwareProbe {
  read(dataDir: string): Promise<HardwareInfo>;
  usage(): Promise<UsageSnapshot>;
}

function mountOf(path: string, mounts: readonly string[]): string | undefined {
  const full = resolve(path);
  return mounts
    .filter((m) => full === m || full.startsWith(m.endsWith(sep) ? m : m + sep))
    .sort((a, b) => b.length - a.length)[0];
}

const GPU_VENDORS_TO_SKIP = /^(vmware|virtualbox|red hat|qxl|cirrus|bochs|matrox)/i;

/** The real probe: `systeminformation`, plus statfs for the data directory's filesystem. */
export function createSystemHardwareProbe(): HardwareProbe {
  return {
    async read(dataDir) {
      const [cpu, mem, graphics, osInfo, nics, fs] = await Promise.all([
        si.cpu(),
        si.mem(),
        si.graphics().catch(() => ({ controllers: [] as si.Systeminformation.GraphicsControllerData[] })),
        si.osInfo(),
        si.networkInterfaces().catch(() => []),
        statfs(dataDir),
      ]);
      const mounts = await si.fsSize().catch(() => []);
      const mount = mountOf(
        dataDir,
        mounts.map((m) => m.mount),
      );
      const nicList = Array.isArray(nics) ? nics : [nics];
      const speeds = nicList
        .filter((n) => !n.internal && typeof n.speed === 'number' && n.speed > 0)
        .map((n) => n.speed as number);
      return {
        cpu: {
          model: `${cpu.manufacturer} ${cpu.brand}`.trim(),
          logicalCores: cpu.cores,
          physicalCores: cpu.physicalCores,
          speedGHz: cpu.speed > 0 ? cpu.speed : null,
        },
        memory: { totalBytes: mem.total },
        gpus: graphics.controllers
          .filter((g) => g.model && !GPU_VENDORS_TO_SKIP.test(g.vendor))
          .map((g) => ({
            model: g.model,
            vendor: g.vendor,
            vramBytes: typeof g.vram === 'number' && g.vram > 0 ? g.vram * 1024 * 1024 : null,
          })),
        storage: {
          mount: mount ?? resolve(dataDir),
          totalBytes: fs.blocks * fs.bsize,
          freeBytes: fs.bavail * fs.bsize,
        },
        network: { linkMbps: speeds.length > 0 ? Math.max(...speeds) : null },
        os: { platform: osInfo.platform, distro: osInfo.distro, release: osInfo.release, arch: osInfo.arch },
        measuredAt: new Date().toISOString(),
      };
    },
    async usage() {
      const [load, mem] = await Promise.all([si.currentLoad(), si.mem()]);
      return {
        cpu: {
          loadPercent: round1(load.currentLoad),
          perCorePercent: load.cpus.map((c) => round1(c.load)),
        },
        // "active" excludes caches and buffers the OS can drop at once: what programs really hold.
        memory: { usedBytes: mem.active, totalBytes: mem.total },
        measuredAt: new Date().toISOString(),
      };
    },
  };
}

function round1(n: number): number {
  return Number.isFinite(n) ? Math.round(n * 10) / 10 : 0;
}
