import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_READINGS, type SensorReadings } from '../../shared/sharing-policy';
import type { SharingView } from '../../shared/sharing-view';
import { createDispatch } from '../api/dispatch';
import { LogBook } from '../logging/log-book';
import { createNode } from '../node';
import { fixedHardware } from '../testing/fixed-hardware';
import { useTempDirs } from '../testing/temp-dir';
import { until } from '../testing/until';
import type { SensorNeeds, SensorSource } from './sensors';

const tempDir = useTempDirs();

/** Test double of the sensors (the real ones: createSystemSensors). */
class InjectedSensors implements SensorSource {
  readings: SensorReadings = { ...NO_READINGS, unavailable: ['cpu-temperature', 'gpu-temperature'] };
  async read(_needs: SensorNeeds): Promise<SensorReadings> {
    return this.readings;
  }
}

function nodeAt(dataDir: string, sensors = new InjectedSensors()) {
  return createNode({ dataDir }, { hardware: fixedHardware(), logBook: new LogBook(), sensors });
}

const SHARE = { privacyLevel: 'P2P', allocation: { cpu: 25, memory: 10 }, rules: { idleWhenUnknown: 'idle' } } as const;

describe('sharing rules in the node', () => {
  it('shows allowed vs used with reasons, tightens on battery and comes back', async () => {
    const sensors = new InjectedSensors();
    const node = nodeAt(tempDir(), sensors);
    await node.start();
    try {
      await node.api.updateSettings(SHARE);
      const cpuOf = (v: SharingView) => v.resources.find((r) => r.kind === 'cpu');
      // The adapters read the (fixed, 8-core) hardware in the background.
      await until('the CPU allowance', async () => (await node.api.getStatus()).allowance.allowedCores === 2);
      const status = await node.api.getStatus();
      expect(status.allowance.state).toBe('active');
      expect(cpuOf(status.allowance)).toMatchObject({ unit: 'cores', allowed: 2, used: null, usedSource: 'none' });
      expect(status.allowance.resources.find((r) => r.kind === 'gpu')).toMatchObject({ present: false, allowed: null });
      expect(status.allowance.resources.find((r) => r.kind === 'gpu')?.absent).toMatch(/no GPU/);
      expect(status.allowance.resources.find((r) => r.kind === 'gpu')?.absentCode).toBe('no-gpu');
      expect(status.allowance.unavailable).toEqual(['cpu-temperature', 'gpu-temperature']);

      const events: SharingView[] = [];
      node.events.on('sharing', (v) => events.push(v));
      sensors.readings = { ...sensors.readings, onBattery: true };
      await until('on battery', () => events.some((v) => v.reasons.includes('on-battery')));
      const onBattery = await node.api.getUsage();
      expect(onBattery.sharing?.state).toBe('limited');
      expect(cpuOf(onBattery.sharing as SharingView)).toMatchObject({ allowed: 0, reasons: ['on-battery'] });
      expect((await node.api.getStatus()).effectiveAllocation).toMatchObject({ cpu: 0, memory: 10 });
      expect(node.sharing?.allowedCores()).toBe(0);

      sensors.readings = { ...sensors.readings, onBattery: false };
      await until('back on AC', () => node.sharing?.allowedCores() === 2);
      expect((await node.api.getStatus()).allowance.reasons).toEqual([]);
    } finally {
      await node.stop();
    }
  });

  it('a GPU the OS lists counts: its VRAM is shared by the slider and lowered by the rules', async () => {
    const sensors = new InjectedSensors();
    const gpus = [{ model: 'Test GPU', vendor: 'NVIDIA', vramBytes: 8 * 1024 ** 3 }];
    const node = createNode(
      { dataDir: tempDir() },
      { hardware: fixedHardware({ gpus }), logBook: new LogBook(), sensors },
    );
    await node.start();
    try {
      await node.api.updateSettings({
        privacyLevel: 'P2P',
        allocation: { gpu: 50 },
        rules: { idleWhenUnknown: 'idle', temperature: { gpuThresholdC: 80 } },
      });
      const gpu = async () => (await node.api.getStatus()).allowance.resources.find((r) => r.kind === 'gpu');
      await until('the GPU detected', async () => (await gpu())?.present === true);
      expect(await gpu()).toMatchObject({ unit: 'bytes', allowed: 4 * 1024 ** 3, usedSource: 'leased', used: 0 });
      expect((await gpu())?.absentCode).toBeUndefined();
      // 85 °C, 5 above the threshold: half of the share.
      sensors.readings = { ...sensors.readings, gpuTemperatureC: 85, unavailable: [] };
      await until('too hot', async () => (await gpu())?.reasons.includes('too-hot') === true);
      expect(await gpu()).toMatchObject({ allowedPercent: 25, allowed: 2 * 1024 ** 3 });
    } finally {
      await node.stop();
    }
  });

  it('the bandwidth limiter follows the allowance: the in-use share while in use, the full one when idle', async () => {
    const sensors = new InjectedSensors();
    const node = createNode(
      { dataDir: tempDir(), listen: { host: '::1', port: 0 } },
      { hardware: fixedHardware(), logBook: new LogBook(), sensors },
    );
    await node.start();
    try {
      await node.api.updateSettings({
        privacyLevel: 'P2P',
        allocation: { bandwidth: 50 },
        rules: { inUseAllocation: { bandwidth: 10 }, idleWhenUnknown: 'in-use' },
      });
      const cap = async () => (await node.api.getNetworkStats()).bandwidthCapBitsPerSec;
      // The fixed machine's link is 1000 Mbit/s: 10 % while in use, 50 % when idle.
      await until('the in-use cap', async () => (await cap()) === 100e6);
      sensors.readings = { ...sensors.readings, idleSeconds: 3600 };
      await until('the idle cap', async () => (await cap()) === 500e6);
      const bandwidth = (await node.api.getStatus()).allowance.resources.find((r) => r.kind === 'bandwidth');
      expect(bandwidth).toMatchObject({ allowedPercent: 50, usedSource: 'measured', reasons: [] });
    } finally {
      await node.stop();
    }
  });

  it('snooze and rules survive a restart; a snooze ends by itself', async () => {
    const dir = tempDir();
    const a = nodeAt(dir);
    await a.start();
    await a.api.updateSettings({ ...SHARE, rules: { maxUserCpuPercent: 40, exclusivePrograms: ['game.exe'] } });
    const paused = await a.api.pauseSharing({ for: 'seconds', seconds: 3600 });
    expect(paused.paused).toBe(true);
    expect(Date.parse(paused.until ?? '') - Date.now()).toBeGreaterThan(3500_000);
    expect((await a.api.getStatus()).allowance).toMatchObject({ state: 'paused', pausedUntil: paused.until });
    await a.stop();

    const b = nodeAt(dir);
    await b.start();
    const settings = await b.api.getSettings();
    expect(settings.rules.maxUserCpuPercent).toBe(40);
    expect(settings.rules.exclusivePrograms).toEqual(['game.exe']);
    expect((await b.api.getStatus()).allowance).toMatchObject({ state: 'paused', pausedUntil: paused.until });
    expect(await b.api.resumeSharing()).toEqual({ paused: false, until: null });
    expect((await b.api.getStatus()).allowance.state).toBe('active');
    // A snooze whose end passed (e.g. while the node was stopped) is cleared, in the stored settings too.
    await b.api.updateSettings({ sharingPaused: true, pausedUntil: new Date(Date.now() - 1000).toISOString() });
    await until('the snooze to end', async () => !(await b.api.getSettings()).sharingPaused);
    expect((await b.api.getSettings()).pausedUntil).toBeNull();
    expect(await b.api.pauseSharing({ for: 'until-resumed' })).toEqual({ paused: true, until: null });
    await b.stop();
    const db = new Database(join(dir, 'hypermesh.db'), { readonly: true });
    const row = db.prepare('SELECT document FROM settings').get() as { document: string };
    expect(JSON.parse(row.document)).toMatchObject({ sharingPaused: true, pausedUntil: null });
    db.close();
  });

  it('refuses bad pause requests with clear errors', async () => {
    const node = nodeAt(tempDir());
    await node.start();
    try {
      const dispatch = createDispatch(node.api, node.log);
      const bad = async (args: unknown[]) => {
        const reply = await dispatch('pauseSharing', args);
        if (reply.ok) throw new Error('expected a refusal');
        return reply.error.message;
      };
      expect(await bad([{ for: 'seconds', seconds: 5 }])).toMatch(/request.seconds must be an integer 60–2592000/);
      expect(await bad([{ for: 'ever' }])).toMatch(/request.for must be one of seconds, tomorrow, until-resumed/);
      expect(await bad([{ for: 'tomorrow', seconds: 60 }])).toMatch(/request.seconds is not a known setting/);
      const ok = await dispatch('pauseSharing', [{ for: 'tomorrow' }]);
      expect(ok.ok).toBe(true);
      const until = ok.ok ? (ok.value as { until: string }).until : '';
      expect(new Date(until).getHours()).toBe(0);
      expect(Date.parse(until)).toBeGreaterThan(Date.now());
    } finally {
      await node.stop();
    }
  });
});
