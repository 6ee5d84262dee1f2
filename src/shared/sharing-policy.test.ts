import { describe, expect, it } from 'vitest';
import { issuesOf } from './testing';
import { DEFAULT_SETTINGS, applySettingsPatch, patchAt, type Settings, type SettingsPatch } from './settings';
import {
  NO_READINGS,
  allowedCores,
  evaluateSharing,
  startOfTomorrow,
  temperatureFactor,
  type SensorReadings,
} from './sharing-policy';

const sharing = applySettingsPatch(DEFAULT_SETTINGS, {
  privacyLevel: 'P2P',
  allocation: { cpu: 50, gpu: 40, memory: 30, storage: 20, bandwidth: 10 },
  // Idle by default in these tests, so that each rule is seen alone.
  rules: { idleWhenUnknown: 'idle' },
});
// A Monday, 10:00 local time.
const MONDAY_10 = new Date(2026, 11, 7, 10, 0);

function withRules(patch: SettingsPatch['rules']): Settings {
  return applySettingsPatch(sharing, { rules: patch });
}

function read(partial: Partial<SensorReadings>): SensorReadings {
  return { ...NO_READINGS, ...partial };
}

describe('evaluateSharing', () => {
  it('gives the allocation when no rule applies', () => {
    const d = evaluateSharing(sharing, NO_READINGS, MONDAY_10);
    expect(d.resources.cpu).toEqual({ configuredPercent: 50, percent: 50, reasons: [] });
    expect(d.reasons).toEqual([]);
    expect(allowedCores(d, 2)).toBe(1);
  });

  it('shares nothing at privacy level Private, and says so', () => {
    const d = evaluateSharing({ ...sharing, privacyLevel: 'Private' }, NO_READINGS, MONDAY_10);
    expect(d.resources.cpu.percent).toBe(0);
    expect(d.reasons).toEqual(['off']);
  });

  it('battery: suspends CPU and GPU while on battery, and gives them back on AC', () => {
    const on = evaluateSharing(sharing, read({ onBattery: true }), MONDAY_10);
    expect(on.resources.cpu).toMatchObject({ percent: 0, reasons: ['on-battery'] });
    expect(on.resources.gpu).toMatchObject({ percent: 0, reasons: ['on-battery'] });
    expect(on.resources.memory.percent).toBe(30);
    expect(on.reasons).toEqual(['on-battery']);
    expect(evaluateSharing(sharing, read({ onBattery: false }), MONDAY_10).resources.cpu.percent).toBe(50);
    const off = withRules({ suspendOnBattery: false });
    expect(evaluateSharing(off, read({ onBattery: true }), MONDAY_10).resources.cpu.percent).toBe(50);
  });

  it('idle time: the in-use share applies until the computer is idle for N minutes', () => {
    const s = withRules({ idleAfterMinutes: 5, inUseAllocation: { cpu: 10, bandwidth: 5 } });
    const busy = evaluateSharing(s, read({ idleSeconds: 60 }), MONDAY_10);
    expect(busy.idle).toBe(false);
    expect(busy.resources.cpu).toMatchObject({ percent: 10, reasons: ['in-use'] });
    expect(busy.resources.bandwidth).toMatchObject({ percent: 5, reasons: ['in-use'] });
    expect(busy.resources.memory).toMatchObject({ percent: 30, reasons: [] }); // in-use share 100: no change
    const idle = evaluateSharing(s, read({ idleSeconds: 300 }), MONDAY_10);
    expect(idle.idle).toBe(true);
    expect(idle.resources.cpu).toMatchObject({ percent: 50, reasons: [] });
  });

  it('idle time the OS does not tell: the explicit setting decides', () => {
    const s = withRules({ inUseAllocation: { cpu: 10 }, idleWhenUnknown: 'in-use' });
    expect(evaluateSharing(s, NO_READINGS, MONDAY_10).resources.cpu.percent).toBe(10);
    const idle = applySettingsPatch(s, patchAt('rules.idleWhenUnknown', 'idle'));
    expect(evaluateSharing(idle, NO_READINGS, MONDAY_10).resources.cpu.percent).toBe(50);
  });

  it("user's CPU: suspends above the limit and resumes below it", () => {
    const s = withRules({ maxUserCpuPercent: 25 });
    expect(evaluateSharing(s, read({ userCpuPercent: 60 }), MONDAY_10).resources.cpu).toMatchObject({
      percent: 0,
      reasons: ['user-busy'],
    });
    expect(evaluateSharing(s, read({ userCpuPercent: 20 }), MONDAY_10).resources.cpu.percent).toBe(50);
    // No reading (the first second after start): no suspension on a guess.
    expect(evaluateSharing(s, NO_READINGS, MONDAY_10).resources.cpu.percent).toBe(50);
  });

  it('exclusive programs: suspends while one runs (case and .exe ignored)', () => {
    const s = withRules({ exclusivePrograms: ['Game.exe', 'blender'] });
    const d = evaluateSharing(s, read({ runningPrograms: ['bash', 'game'] }), MONDAY_10);
    expect(d.resources.cpu).toMatchObject({ percent: 0, reasons: ['program-running'] });
    expect(evaluateSharing(s, read({ runningPrograms: ['bash'] }), MONDAY_10).resources.cpu.percent).toBe(50);
  });

  it('full screen: suspends only when asked and when the OS tells', () => {
    const s = withRules({ pauseOnFullScreen: true });
    expect(evaluateSharing(s, read({ fullScreen: true }), MONDAY_10).reasons).toEqual(['full-screen']);
    expect(evaluateSharing(s, read({ fullScreen: false }), MONDAY_10).reasons).toEqual([]);
    expect(evaluateSharing(sharing, read({ fullScreen: true }), MONDAY_10).reasons).toEqual([]);
  });

  it('schedule: shares only inside the weekday windows, in local time', () => {
    const s = withRules({ schedule: { enabled: true, days: { mon: ['08:00-09:30', '18:00-24:00'] } } });
    const at = (h: number, m = 0, day = 7) => evaluateSharing(s, NO_READINGS, new Date(2026, 11, day, h, m));
    expect(at(10).resources.memory).toMatchObject({ percent: 0, reasons: ['schedule'] });
    expect(at(9, 29).resources.memory.percent).toBe(30);
    expect(at(9, 30).resources.memory.percent).toBe(0); // the end is exclusive
    expect(at(23, 59).resources.cpu.percent).toBe(50);
    expect(at(12, 0, 8).reasons).toEqual(['schedule']); // Tuesday has no window
  });

  it('temperature: lowers the share step by step above the threshold and comes back', () => {
    expect([69, 70, 74, 75, 80, 85, 99].map((t) => temperatureFactor(t, 70))).toEqual([1, 0.75, 0.75, 0.5, 0.25, 0, 0]);
    const s = withRules({ temperature: { cpuThresholdC: 70, gpuThresholdC: 80 } });
    const warm = evaluateSharing(s, read({ cpuTemperatureC: 76, gpuTemperatureC: 60 }), MONDAY_10);
    expect(warm.resources.cpu).toMatchObject({ percent: 25, reasons: ['too-hot'] });
    expect(warm.resources.gpu).toMatchObject({ percent: 40, reasons: [] });
    expect(allowedCores(warm, 4)).toBe(1);
    // Where the OS reports none, nothing is lowered and the reading is listed as unavailable.
    const none = evaluateSharing(s, read({ unavailable: ['cpu-temperature', 'gpu-temperature'] }), MONDAY_10);
    expect(none.resources.cpu.percent).toBe(50);
    expect(none.unavailable).toEqual(['cpu-temperature', 'gpu-temperature']);
  });

  it('snooze: paused until a time, then sharing comes back by itself', () => {
    const until = new Date(MONDAY_10.getTime() + 3_600_000).toISOString();
    const s = applySettingsPatch(sharing, { sharingPaused: true, pausedUntil: until });
    const d = evaluateSharing(s, NO_READINGS, MONDAY_10);
    expect(d.resources.storage).toMatchObject({ percent: 0, reasons: ['paused'] });
    expect(d.pausedUntil).toBe(until);
    const later = evaluateSharing(s, NO_READINGS, new Date(MONDAY_10.getTime() + 3_600_000));
    expect(later.resources.storage.percent).toBe(20);
    expect(later.pausedUntil).toBeNull();
    expect(startOfTomorrow(MONDAY_10)).toEqual(new Date(2026, 11, 8, 0, 0));
  });

  it('lists every reason that applies, per resource and in all', () => {
    const s = withRules({ inUseAllocation: { cpu: 20 }, maxUserCpuPercent: 50 });
    const d = evaluateSharing(s, read({ idleSeconds: 0, userCpuPercent: 90, onBattery: true }), MONDAY_10);
    expect(d.resources.cpu.reasons).toEqual(['on-battery', 'in-use']);
    expect(d.reasons).toEqual(['on-battery', 'in-use']);
  });
});

describe('rules settings', () => {
  it('refuse bad values with clear errors', () => {
    expect(issuesOf(() => applySettingsPatch(sharing, { rules: { maxUserCpuPercent: 150 } }))).toEqual([
      'rules.maxUserCpuPercent must be an integer 1–100 or null (no rule), got 150',
    ]);
    expect(issuesOf(() => applySettingsPatch(sharing, { rules: { temperature: { cpuThresholdC: 20 } } }))).toEqual([
      'rules.temperature.cpuThresholdC must be an integer 40–110 or null (no rule), got 20',
    ]);
    expect(
      issuesOf(() =>
        applySettingsPatch(sharing, { rules: { schedule: { days: { tue: ['09:00-12:00', '11:00-13:00'] } } } }),
      ),
    ).toEqual(['rules.schedule.days.tue: the windows 09:00-12:00 and 11:00-13:00 overlap']);
    expect(issuesOf(() => applySettingsPatch(sharing, patchAt('rules.schedule.days.wed', ['17:00-09:00'])))).toEqual([
      'rules.schedule.days.wed.0 must be "HH:MM-HH:MM" with the start before the end (e.g. "09:00-17:30"), got "17:00-09:00"',
    ]);
    expect(issuesOf(() => applySettingsPatch(sharing, patchAt('rules.exclusivePrograms', ['game', ' '])))).toEqual([
      'rules.exclusivePrograms.1 must be a program name (e.g. "game.exe"), got an empty name',
    ]);
    expect(issuesOf(() => applySettingsPatch(sharing, { rules: { idleAfterMinutes: 0, colour: 1 } as never }))).toEqual(
      expect.arrayContaining([
        'rules.colour is not a known setting (known: inUseAllocation, idleAfterMinutes, idleWhenUnknown, suspendOnBattery, maxUserCpuPercent, exclusivePrograms, pauseOnFullScreen, schedule, temperature)',
        'rules.idleAfterMinutes must be an integer 1–1440, got 0',
      ]),
    );
    expect(issuesOf(() => patchAt('pausedUntil', 'tomorrow'))).toEqual([
      'pausedUntil must be an ISO time such as "2026-12-07T08:00:00.000Z" or null, got "tomorrow"',
    ]);
  });

  it('accept dotted paths as the CLI sets them', () => {
    const s = applySettingsPatch(sharing, patchAt('rules.schedule.days.fri', ['00:00-24:00']));
    expect(s.rules.schedule.days.fri).toEqual(['00:00-24:00']);
    expect(s.rules.schedule.days.mon).toEqual([]);
    const t = applySettingsPatch(s, patchAt('rules.temperature.gpuThresholdC', 85));
    expect(t.rules.temperature).toEqual({ cpuThresholdC: null, gpuThresholdC: 85 });
  });
});
