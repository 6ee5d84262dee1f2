import { readFile, readdir, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import si from 'systeminformation';
import type { SensorCode, SensorReadings } from '../../shared/sharing-policy';

/** Which readings the rules need now; the rest are not read (some cost a process listing). */
export interface SensorNeeds {
  readonly programs: boolean;
  readonly cpuTemperature: boolean;
  readonly gpuTemperature: boolean;
  /** The user's CPU use: reading the node's process tree each second costs a little, so only for the rule. */
  readonly userCpu: boolean;
}

/**
 * Reads the world the sharing rules look at. One real implementation (systeminformation and /proc) and test
 * doubles that return injected readings.
 */
export interface SensorSource {
  read(needs: SensorNeeds, signal?: AbortSignal): Promise<SensorReadings>;
}

/** Caches one reading for `ttlMs`; a failed read counts as "not available" until the next try. */
class Cached<T> {
  private at = -Infinity;
  private value: T | null = null;
  private pending: Promise<T | null> | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly readNow: () => Promise<T | null>,
  ) {}

  get(now: number): Promise<T | null> {
    if (now - this.at < this.ttlMs) return Promise.resolve(this.value);
    this.pending ??= this.readNow()
      .catch(() => null)
      .then((v) => {
        this.value = v;
        this.at = now;
        this.pending = undefined;
        return v;
      });
    return this.pending;
  }

  /** The last value read, however old (null before the first). */
  peek(): T | null {
    return this.value;
  }
}

interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

/** CPU busy/total time of the whole machine, in clock ticks (Linux /proc/stat) or ms (os.cpus()). */
async function machineCpuTimes(): Promise<CpuTimes & { unit: 'ticks' | 'ms' }> {
  if (process.platform === 'linux') {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait, unit: 'ticks' };
  }
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total, unit: 'ms' };
}

/** CPU ticks used by this process and all its descendants (Linux), from /proc/PID/stat. */
async function ownTreeTicks(rootPid: number): Promise<number> {
  const entries = await readdir('/proc');
  const procs: { pid: number; ppid: number; ticks: number }[] = [];
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        try {
          const text = await readFile(`/proc/${e}/stat`, 'utf8');
          // The command name may hold spaces and parentheses: fields follow the last ')'.
          const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
          const ppid = Number(rest[1]);
          // utime, stime, cutime, cstime: children that ended are counted in cutime/cstime.
          const ticks = Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
          procs.push({ pid: Number(e), ppid, ticks });
        } catch {
          // gone meanwhile
        }
      }),
  );
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const tree = new Set<number>();
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (tree.has(pid)) continue;
    tree.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return procs.filter((p) => tree.has(p.pid)).reduce((sum, p) => sum + p.ticks, 0);
}

/**
 * The user's own CPU use: the machine's busy time minus the node's (its process and, on Linux, every process it
 * started, such as job processes), over the time since the previous call. Percent of all cores; null on the first
 * call (no interval yet).
 */
export class UserCpuMeter {
  private last: { machine: CpuTimes; own: number } | undefined;

  constructor(private readonly rootPid = process.pid) {}

  async read(): Promise<number | null> {
    const machine = await machineCpuTimes();
    const own =
      machine.unit === 'ticks'
        ? await ownTreeTicks(this.rootPid)
        : (() => {
            const u = process.cpuUsage();
            return (u.user + u.system) / 1000; // µs → ms, the unit os.cpus() counts in
          })();
    const prev = this.last;
    this.last = { machine, own };
    if (!prev) return null;
    const total = machine.total - prev.machine.total;
    if (total <= 0) return null;
    const userBusy = machine.busy - prev.machine.busy - (own - prev.own);
    return Math.min(100, Math.max(0, (userBusy / total) * 100));
  }
}

/**
 * Seconds since the last input on a terminal (Linux: the newest access time of /dev/pts/* and /dev/tty*, as `w`
 * shows it). Null where there is none to read: the rules then use their explicit setting. The desktop app feeds
 * the real idle time from Electron's powerMonitor instead (Governor.feed).
 */
async function terminalIdleSeconds(now: number): Promise<number | null> {
  if (process.platform !== 'linux') return null;
  const paths: string[] = [];
  for (const dir of ['/dev/pts']) {
    for (const e of await readdir(dir).catch(() => [] as string[])) if (/^\d+$/.test(e)) paths.push(`${dir}/${e}`);
  }
  const times = await Promise.all(
    paths.map((p) =>
      stat(p).then(
        (s) => s.atimeMs,
        () => null,
      ),
    ),
  );
  const newest = Math.max(...times.filter((t): t is number => t !== null));
  return Number.isFinite(newest) ? Math.max(0, (now - newest) / 1000) : null;
}

export interface SystemSensorOptions {
  /** The root of the node's process tree, left out of the user's CPU use; this process by default. */
  readonly rootPid?: number;
  readonly now?: () => number;
}

/** The real sensors: systeminformation for battery, processes and temperatures; /proc or os.cpus() for CPU use. */
export function createSystemSensors(options: SystemSensorOptions = {}): SensorSource {
  const now = options.now ?? Date.now;
  const userCpu = new UserCpuMeter(options.rootPid);
  const battery = new Cached(10_000, async () => {
    const b = await si.battery();
    return b.hasBattery ? !b.acConnected : false; // no battery: never on battery
  });
  // cpuTemperature() runs shell commands (one synchronously) on Linux: only while a CPU threshold is set, and once.
  const cpuTemp = new Cached(10_000, async () => {
    const t = await si.cpuTemperature();
    return typeof t.main === 'number' && t.main > 0 ? t.main : null;
  });
  // graphics() runs vendor tools (lspci, nvidia-smi): read it seldom, and only while a GPU threshold is set.
  const gpuTemp = new Cached(30_000, async () => {
    const g = await si.graphics();
    const temps = g.controllers.map((c) => c.temperatureGpu).filter((t): t is number => typeof t === 'number');
    return temps.length > 0 ? Math.max(...temps) : null;
  });
  const programs = new Cached(5_000, async () => {
    const p = await si.processes();
    return p.list.map((proc) => proc.name);
  });
  let userCpuPrimed = false; // the first reading has no interval yet: null then is not "unavailable"
  let gpuTempRead = false; // once read, the UI can say whether the OS reports it
  let cpuTempRead = false; // read once at start, so the UI can say at once whether the OS reports it
  return {
    async read(needs, signal) {
      signal?.throwIfAborted();
      const t = now();
      const readGpu = needs.gpuTemperature;
      const readCpu = needs.cpuTemperature || !cpuTempRead;
      gpuTempRead ||= readGpu;
      cpuTempRead = true;
      const [onBattery, cpuC, gpuC, running, user, idle] = await Promise.all([
        battery.get(t),
        readCpu ? cpuTemp.get(t) : Promise.resolve(cpuTemp.peek()),
        readGpu ? gpuTemp.get(t) : Promise.resolve(gpuTemp.peek()),
        needs.programs ? programs.get(t) : Promise.resolve(null),
        needs.userCpu ? userCpu.read().catch(() => null) : Promise.resolve(null),
        terminalIdleSeconds(t).catch(() => null),
      ]);
      const unavailable: SensorCode[] = ['full-screen']; // no headless way to see the foreground window
      if (onBattery === null) unavailable.push('battery');
      if (idle === null) unavailable.push('idle-time');
      if (needs.userCpu && user === null && userCpuPrimed) unavailable.push('user-cpu');
      userCpuPrimed ||= needs.userCpu;
      if (needs.programs && running === null) unavailable.push('processes');
      if (cpuC === null) unavailable.push('cpu-temperature');
      if (gpuTempRead && gpuC === null) unavailable.push('gpu-temperature');
      return {
        onBattery,
        idleSeconds: idle,
        userCpuPercent: user,
        runningPrograms: running,
        fullScreen: null,
        cpuTemperatureC: cpuC,
        gpuTemperatureC: gpuC,
        unavailable,
      };
    },
  };
}
