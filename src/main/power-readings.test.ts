import { afterEach, describe, expect, it } from 'vitest';
import type { ReadingsFrame } from '../shared/api/port-protocol';
import { POWER_EVENTS, startPowerReadings, type PowerReadings } from './power-readings';
import { PowerMonitorDouble } from './testing/electron-double';

const started: PowerReadings[] = [];
afterEach(() => {
  for (const r of started.splice(0)) r.stop();
});

function start(powerMonitor: PowerMonitorDouble, intervalMs = 3_600_000) {
  const frames: ReadingsFrame[] = [];
  const lines: string[] = [];
  const readings = startPowerReadings({
    powerMonitor,
    send: (f) => frames.push(f),
    intervalMs,
    log: (l) => lines.push(l),
  });
  started.push(readings);
  return { frames, lines, readings };
}

describe('startPowerReadings', () => {
  it('sends idle time and battery state at once on each power event, and nothing after stop', () => {
    const pm = new PowerMonitorDouble();
    const { frames, readings } = start(pm);
    expect(frames).toEqual([]); // the poll is an hour away: only events and sendNow send
    pm.idleSeconds = 42;
    pm.onBattery = true;
    for (const event of POWER_EVENTS) pm.emit(event);
    expect(frames).toEqual(POWER_EVENTS.map(() => ({ t: 'readings', idleSeconds: 42, onBattery: true })));
    readings.sendNow();
    expect(frames).toHaveLength(POWER_EVENTS.length + 1);
    readings.stop();
    pm.emit('on-ac');
    readings.sendNow();
    expect(frames).toHaveLength(POWER_EVENTS.length + 1);
  });

  it('polls on its interval', async () => {
    const pm = new PowerMonitorDouble();
    const { frames } = start(pm, 20);
    // Waits for polls, however long the loaded machine takes; asserts only that they come.
    while (pm.idleReads < 3) await new Promise((r) => setTimeout(r, 20));
    expect(frames.length).toBeGreaterThanOrEqual(3);
  });

  it('a reading that throws or makes no sense is sent as null (the node’s own sensors decide), logged once', () => {
    const pm = new PowerMonitorDouble();
    pm.getSystemIdleTime = () => {
      throw new Error('not supported');
    };
    const { frames, lines, readings } = start(pm);
    readings.sendNow();
    readings.sendNow();
    expect(frames).toEqual([
      { t: 'readings', idleSeconds: null, onBattery: false },
      { t: 'readings', idleSeconds: null, onBattery: false },
    ]);
    expect(lines.filter((l) => l.includes('getSystemIdleTime'))).toHaveLength(1);
    pm.getSystemIdleTime = () => -1;
    readings.sendNow();
    expect(frames.at(-1)).toEqual({ t: 'readings', idleSeconds: null, onBattery: false });
  });
});
