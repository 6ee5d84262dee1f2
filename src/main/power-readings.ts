import type { ReadingsFrame } from '../shared/api/port-protocol';
import type { ElectronApi } from './electron-api';

/** powerMonitor events after which the readings are sent at once rather than at the next tick. */
export const POWER_EVENTS = ['on-battery', 'on-ac', 'lock-screen', 'unlock-screen'] as const;
export const READINGS_INTERVAL_MS = 5_000;

export interface PowerReadings {
  /** Reads and sends now (e.g. when the node process (re)started). */
  sendNow(): void;
  stop(): void;
}

/**
 * Reads what only the desktop shell knows (idle time and battery, from Electron's powerMonitor) every few seconds
 * and on power events, and hands it to `send` for the node's sharing rules (docs/sharing-rules.md). A reading
 * that fails is sent as null, which gives that field back to the node's own sensors.
 */
export function startPowerReadings(options: {
  readonly powerMonitor: ElectronApi['powerMonitor'];
  readonly send: (frame: ReadingsFrame) => void;
  readonly intervalMs?: number;
  readonly log: (line: string) => void;
}): PowerReadings {
  const { powerMonitor, send, log } = options;
  let stopped = false;
  const failed = new Set<string>();
  const read = <T>(what: string, get: () => T): T | null => {
    try {
      return get();
    } catch (err) {
      if (!failed.has(what)) log(`powerMonitor.${what} failed: ${String(err)}; the node's own sensors decide`);
      failed.add(what);
      return null;
    }
  };
  const sendNow = () => {
    if (stopped) return;
    const idle = read('getSystemIdleTime', () => powerMonitor.getSystemIdleTime());
    const onBattery = read('isOnBatteryPower', () => powerMonitor.isOnBatteryPower());
    send({
      t: 'readings',
      idleSeconds: typeof idle === 'number' && Number.isFinite(idle) && idle >= 0 ? idle : null,
      onBattery: typeof onBattery === 'boolean' ? onBattery : null,
    });
  };
  // Listeners stay registered (powerMonitor lives as long as the app); after stop they do nothing.
  for (const event of POWER_EVENTS) powerMonitor.on(event, sendNow);
  const timer = setInterval(sendNow, options.intervalMs ?? READINGS_INTERVAL_MS);
  return {
    sendNow,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
