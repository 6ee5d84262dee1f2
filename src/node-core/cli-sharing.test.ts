import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args';
import { EXIT } from './cli';
import { DurationError, formatAllowance, parsePauseFor } from './cli-sharing';
import { runCliCaptured } from './testing/cli';
import { useTempDirs } from './testing/temp-dir';

const tempDir = useTempDirs();

const run = runCliCaptured;

describe('hypermesh pause / resume', () => {
  it('parses --for durations and refuses bad ones', () => {
    expect(parsePauseFor(undefined)).toEqual({ for: 'until-resumed' });
    expect(parsePauseFor('tomorrow')).toEqual({ for: 'tomorrow' });
    expect(parsePauseFor('1h')).toEqual({ for: 'seconds', seconds: 3600 });
    expect(parsePauseFor('2h30m')).toEqual({ for: 'seconds', seconds: 9000 });
    expect(parsePauseFor('1d')).toEqual({ for: 'seconds', seconds: 86_400 });
    for (const bad of ['', '10s', '1 h', 'soon', '31d', '-1h', '1h-']) {
      expect(() => parsePauseFor(bad)).toThrow(DurationError);
    }
    expect(parseCliArgs(['pause', '--for', '90m']).pause).toEqual({ for: 'seconds', seconds: 5400 });
    expect(() => parseCliArgs(['pause', 'now'])).toThrow(/usage: hypermesh pause \[--for DURATION\]/);
  });

  it('pauses and resumes through the stored settings when no node runs, with exit code 2 for a bad --for', async () => {
    const dir = tempDir();
    const bad = await run('pause', '--for', '5s', '--data-dir', dir);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toMatch(/--for must be "tomorrow" or a duration from 1m to 30d/);
    const paused = await run('pause', '--for', '1h', '--json', '--data-dir', dir);
    expect(paused.code).toBe(0);
    const state = JSON.parse(paused.out) as { paused: boolean; until: string };
    expect(state.paused).toBe(true);
    expect(Date.parse(state.until) - Date.now()).toBeGreaterThan(3000_000);
    expect((await run('settings', 'get', 'pausedUntil', '--data-dir', dir)).out).toBe(`${state.until}\n`);
    expect((await run('resume', '--data-dir', dir)).out).toBe('sharing resumed\n');
    expect((await run('settings', 'get', 'sharingPaused', '--data-dir', dir)).out).toBe('false\n');
    expect((await run('pause', '--data-dir', dir)).out).toMatch(/until you resume it/);
  });

  it('sets the rules by path and explains a bad one', async () => {
    const dir = tempDir();
    const set = await run('settings', 'set', 'rules.schedule.days.mon', '["09:00-17:00"]', '--data-dir', dir);
    expect(set).toMatchObject({ code: 0, out: 'rules.schedule.days.mon = ["09:00-17:00"]\n' });
    const overlap = await run(
      'settings',
      'set',
      'rules.schedule.days.mon',
      '["09:00-12:00","11:00-13:00"]',
      '--data-dir',
      dir,
    );
    expect(overlap.code).toBe(EXIT.usage); // a value typed wrong (README's exit codes)
    expect(overlap.err).toContain('rules.schedule.days.mon: the windows 09:00-12:00 and 11:00-13:00 overlap');
    expect((await run('settings', 'set', 'rules.maxUserCpuPercent', '30', '--data-dir', dir)).code).toBe(0);
    expect((await run('settings', 'set', 'rules.maxUserCpuPercent', 'null', '--data-dir', dir)).code).toBe(0);
  });

  it('prints allowed vs used per resource, with reasons and what the OS cannot tell', () => {
    const lines = formatAllowance({
      state: 'limited',
      reasons: ['on-battery'],
      pausedUntil: null,
      idle: true,
      unavailable: ['cpu-temperature'],
      allowedCores: 0,
      evaluatedAt: '2026-12-07T10:00:00.000Z',
      resources: [
        {
          kind: 'cpu',
          unit: 'cores',
          present: true,
          configuredPercent: 25,
          allowedPercent: 0,
          allowed: 0,
          used: null,
          usedSource: 'none',
          leased: 1,
          reasons: ['on-battery'],
        },
        {
          kind: 'gpu',
          unit: 'bytes',
          present: false,
          absentCode: 'no-gpu',
          absent: 'no GPU detected on this machine',
          configuredPercent: 25,
          allowedPercent: 25,
          allowed: null,
          used: 0,
          usedSource: 'leased',
          leased: 0,
          reasons: [],
        },
      ],
    });
    expect(lines).toEqual([
      '  Rules:    limited',
      '    cpu       allowed 0 cores (0%), used not measured  [on battery]',
      '    gpu       allowed no GPU found, used -',
      '  Sensors:  CPU temperature not available',
    ]);
  });
});
