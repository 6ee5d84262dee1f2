import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, applySettingsPatch, type Settings, type SettingsPatch } from '../../shared/settings';
import { NO_READINGS, type SensorReadings, type SharingDecision } from '../../shared/sharing-policy';
import { LogBook } from '../logging/log-book';
import { until } from '../testing/until';
import { SharingGovernor } from './governor';
import { createSystemSensors, type SensorNeeds, type SensorSource } from './sensors';
import { dutyCycle, jobConcurrency } from './throttle';

/** A test double of the sensors: returns whatever the test sets, and records what was asked for. */
class InjectedSensors implements SensorSource {
  readings: SensorReadings = NO_READINGS;
  needs: SensorNeeds | undefined;
  async read(needs: SensorNeeds): Promise<SensorReadings> {
    this.needs = needs;
    return this.readings;
  }
  set(partial: Partial<SensorReadings>): void {
    this.readings = { ...NO_READINGS, ...partial };
  }
}

const log = new LogBook({ echo: false }).logger('governor');

function setup(patch: SettingsPatch, now = () => new Date(2026, 11, 7, 10, 0)) {
  let settings: Settings = applySettingsPatch(DEFAULT_SETTINGS, {
    privacyLevel: 'P2P',
    allocation: { cpu: 50, gpu: 50, memory: 50, storage: 50, bandwidth: 50 },
    rules: { idleWhenUnknown: 'idle' },
  });
  settings = applySettingsPatch(settings, patch);
  const sensors = new InjectedSensors();
  const clock = { now };
  const governor = new SharingGovernor({
    sensors,
    settings: () => settings,
    log,
    cores: () => 2,
    now: () => clock.now(),
    intervalMs: 20,
  });
  const seen: SharingDecision[] = [];
  governor.subscribe((d) => seen.push(d));
  return {
    governor,
    sensors,
    seen,
    clock,
    setSettings: (p: SettingsPatch) => {
      settings = applySettingsPatch(settings, p);
    },
  };
}

/** Runs the governor's own poll loop and waits (bounded generously) until the allowance matches. */
async function settlesTo(governor: SharingGovernor, test: (d: SharingDecision) => boolean): Promise<SharingDecision> {
  await until('the allowance', () => test(governor.current()));
  return governor.current();
}

describe('SharingGovernor', () => {
  it('battery: publishes the tighter allowance with its reason, and the looser one when back on AC', async () => {
    const { governor, sensors, seen } = setup({});
    governor.start();
    try {
      sensors.set({ onBattery: true });
      const on = await settlesTo(governor, (d) => d.resources.cpu.percent === 0);
      expect(on.resources.cpu.reasons).toEqual(['on-battery']);
      expect(governor.allowedCores()).toBe(0);
      sensors.set({ onBattery: false });
      await settlesTo(governor, (d) => d.resources.cpu.percent === 50);
      expect(governor.allowedCores()).toBe(1);
      expect(seen.map((d) => d.resources.cpu.percent)).toEqual([0, 50]);
    } finally {
      governor.stop();
    }
  });

  it("user's CPU: reads it only while the rule is set, suspends above the limit and resumes below", async () => {
    const { governor, sensors } = setup({ rules: { maxUserCpuPercent: 30 } });
    sensors.set({ userCpuPercent: 80 });
    expect((await governor.poll()).resources.cpu.reasons).toEqual(['user-busy']);
    expect(sensors.needs).toEqual({ programs: false, cpuTemperature: false, gpuTemperature: false, userCpu: true });
    sensors.set({ userCpuPercent: 10 });
    expect((await governor.poll()).resources.cpu.percent).toBe(50);
  });

  it('idle time: the fed powerMonitor reading wins over the sensors and ages with the clock', async () => {
    let t = new Date(2026, 11, 7, 10, 0).getTime();
    const { governor, sensors } = setup(
      { rules: { idleAfterMinutes: 2, inUseAllocation: { cpu: 10 } } },
      () => new Date(t),
    );
    sensors.set({ idleSeconds: 3600, unavailable: [] });
    expect((await governor.poll()).resources.cpu.percent).toBe(50);
    governor.feed({ idleSeconds: 5 });
    expect(governor.current().resources.cpu).toMatchObject({ percent: 10, reasons: ['in-use'] });
    t += 120_000;
    expect(governor.reevaluate().resources.cpu.percent).toBe(50);
    governor.feed({ idleSeconds: null }); // back to the sensors
    sensors.set({ idleSeconds: 0 });
    expect((await governor.poll()).resources.cpu.percent).toBe(10);
  });

  it('exclusive programs: asks for the process list only while programs are listed', async () => {
    const { governor, sensors, setSettings } = setup({});
    await governor.poll();
    expect(sensors.needs?.programs).toBe(false);
    setSettings({ rules: { exclusivePrograms: ['steam'] } });
    sensors.set({ runningPrograms: ['steam', 'bash'] });
    expect((await governor.poll()).reasons).toEqual(['program-running']);
    expect(sensors.needs?.programs).toBe(true);
    sensors.set({ runningPrograms: ['bash'] });
    expect((await governor.poll()).reasons).toEqual([]);
  });

  it('temperature and schedule: steps down, and comes back as the clock and the readings move', async () => {
    let t = new Date(2026, 11, 7, 10, 0).getTime(); // Monday 10:00
    const { governor, sensors } = setup(
      {
        rules: {
          temperature: { cpuThresholdC: 80 },
          schedule: { enabled: true, days: { mon: ['09:00-11:00'] } },
        },
      },
      () => new Date(t),
    );
    sensors.set({ cpuTemperatureC: 86 });
    expect((await governor.poll()).resources.cpu).toMatchObject({ percent: 25, reasons: ['too-hot'] });
    sensors.set({ cpuTemperatureC: 60 });
    expect((await governor.poll()).resources.cpu.percent).toBe(50);
    t += 3_600_000; // 11:00: outside the window
    expect((await governor.poll()).resources.memory).toMatchObject({ percent: 0, reasons: ['schedule'] });
  });

  it('asks the node to clear a snooze that has run out', async () => {
    let t = Date.parse('2026-12-07T10:00:00Z');
    const snoozed = applySettingsPatch(DEFAULT_SETTINGS, {
      privacyLevel: 'P2P',
      allocation: { memory: 40 },
      sharingPaused: true,
      pausedUntil: '2026-12-07T10:30:00.000Z',
    });
    let ended = 0;
    const governor = new SharingGovernor({
      sensors: new InjectedSensors(),
      settings: () => snoozed,
      log,
      cores: () => 2,
      now: () => new Date(t),
      onSnoozeEnded: () => ended++,
    });
    expect((await governor.poll()).resources.memory).toMatchObject({ percent: 0, reasons: ['paused'] });
    expect(ended).toBe(0);
    t += 30 * 60_000;
    expect((await governor.poll()).resources.memory.percent).toBe(40);
    expect(ended).toBe(1);
  });
});

describe('real sensors', () => {
  it('read this machine: battery and temperature are a value or listed as not available', async () => {
    const sensors = createSystemSensors();
    const needs = { programs: true, cpuTemperature: true, gpuTemperature: true, userCpu: true };
    await sensors.read(needs);
    const r = await sensors.read(needs);
    expect(r.onBattery === null ? r.unavailable.includes('battery') : typeof r.onBattery === 'boolean').toBe(true);
    expect(r.cpuTemperatureC === null).toBe(r.unavailable.includes('cpu-temperature'));
    expect(r.gpuTemperatureC === null).toBe(r.unavailable.includes('gpu-temperature'));
    expect(r.runningPrograms?.length ?? 0).toBeGreaterThan(0);
    if (r.userCpuPercent !== null) {
      expect(r.userCpuPercent).toBeGreaterThanOrEqual(0);
      expect(r.userCpuPercent).toBeLessThanOrEqual(100);
    }
  });
});

describe('dutyCycle', () => {
  it('keeps all job processes together within the fractional allowance', () => {
    expect(jobConcurrency(0)).toBe(0);
    expect(jobConcurrency(0.5)).toBe(1);
    expect(jobConcurrency(2)).toBe(2);
    expect(dutyCycle(0.5, 4)).toEqual({ concurrency: 1, runFraction: 0.5, runMs: 50, stopMs: 50 });
    expect(dutyCycle(1.5, 4)).toEqual({ concurrency: 2, runFraction: 0.75, runMs: 75, stopMs: 25 });
    expect(dutyCycle(2, 1)).toEqual({ concurrency: 2, runFraction: 1, runMs: 100, stopMs: 0 });
    expect(dutyCycle(0, 3).runMs).toBe(0);
    for (const [allowed, runnable] of [
      [0.16, 5],
      [0.25 * 16, 9],
      [3.3, 2],
    ] as const) {
      const d = dutyCycle(allowed, runnable);
      expect(Math.min(runnable, d.concurrency) * d.runFraction).toBeLessThanOrEqual(allowed + 1e-9);
    }
    expect(() => dutyCycle(1, 1, 0)).toThrow(RangeError);
  });
});
