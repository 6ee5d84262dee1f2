import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors';
import { issuesOf } from './testing';
import { NOTICE_KINDS } from './notifications';
import {
  DEFAULT_SETTINGS,
  RESOURCE_KINDS,
  applySettingsPatch,
  getSettingAt,
  patchAt,
  upgradeSettingsDocument,
  validateSettings,
  validateSettingsPatch,
} from './settings';

/** The messages validateSettingsPatch throws for `patch`. */
const patchIssues = (patch: unknown) => issuesOf(() => validateSettingsPatch(patch));

describe('settings defaults', () => {
  it('share nothing until the user says so', () => {
    expect(DEFAULT_SETTINGS.privacyLevel).toBe('Private');
    for (const kind of RESOURCE_KINDS) expect(DEFAULT_SETTINGS.allocation[kind]).toBe(0);
    expect(Object.values(DEFAULT_SETTINGS.requiredProofs)).toEqual([true, true, true, true]);
    expect(validateSettings(DEFAULT_SETTINGS)).toBe(DEFAULT_SETTINGS);
  });
});

describe('validateSettingsPatch', () => {
  it('names the field, the range and the bad value', () => {
    expect(patchIssues({ allocation: { cpu: 120 } })).toEqual(['allocation.cpu must be an integer 0–100, got 120']);
    expect(patchIssues({ allocation: { memory: 12.5 } })).toEqual([
      'allocation.memory must be an integer 0–100, got 12.5',
    ]);
    expect(patchIssues({ privacyLevel: 'Public' })).toEqual([
      'privacyLevel must be one of Private, PrivateNetwork, P2P, PublicNetwork, FullPublic, got "Public"',
    ]);
  });

  it('reports every problem at once, including unknown keys', () => {
    const issues = issuesOf(() =>
      validateSettingsPatch({ allocation: { cpu: -1, gpus: 5 }, sharingPaused: 'yes', limits: { cpu: 3 } }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        'allocation.cpu must be an integer 0–100, got -1',
        expect.stringContaining('allocation.gpus is not a known setting'),
        'sharingPaused must be true or false, got "yes"',
        'limits.cpu must be an object, got 3',
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it('refuses values that are not objects and prototype tricks', () => {
    expect(patchIssues(null)).toEqual(['settings must be an object, got null']);
    expect(patchIssues([1])).toEqual(['settings must be an object, got a list']);
    expect(patchIssues(JSON.parse('{"__proto__": {"privacyLevel": "FullPublic"}}'))).toEqual([
      expect.stringContaining('__proto__ is not a known setting'),
    ]);
  });

  it('checks decimal reward rates strictly', () => {
    expect(() => validateSettingsPatch({ rewards: { minimumRatePerHour: '0.25' } })).not.toThrow();
    for (const bad of ['1e3', '-1', '0.123456789', '', 5]) {
      expect(patchIssues({ rewards: { minimumRatePerHour: bad } })[0]).toContain(
        'rewards.minimumRatePerHour must be a decimal string',
      );
    }
  });
});

describe('validateSettings', () => {
  it('requires every field of a whole document', () => {
    const { proxy: _proxy, ...withoutProxy } = DEFAULT_SETTINGS;
    expect(issuesOf(() => validateSettings(withoutProxy))).toEqual(['proxy is missing']);
    const limits = { ...DEFAULT_SETTINGS.limits, gpu: { maxConcurrentUsers: 2 } };
    expect(issuesOf(() => validateSettings({ ...DEFAULT_SETTINGS, limits }))).toEqual([
      'limits.gpu.maxDurationMinutes is missing',
    ]);
  });
});

describe('applySettingsPatch', () => {
  it('merges deeply and leaves the input untouched', () => {
    const next = applySettingsPatch(DEFAULT_SETTINGS, {
      allocation: { cpu: 25 },
      limits: { gpu: { maxConcurrentUsers: 2 } },
    });
    expect(next.allocation).toEqual({ cpu: 25, gpu: 0, memory: 0, storage: 0, bandwidth: 0 });
    expect(next.limits.gpu).toEqual({ maxConcurrentUsers: 2, maxDurationMinutes: 240 });
    expect(DEFAULT_SETTINGS.allocation.cpu).toBe(0);
  });

  it('applies nothing when any part is invalid', () => {
    expect(() => applySettingsPatch(DEFAULT_SETTINGS, { allocation: { cpu: 50, gpu: 101 } })).toThrow(
      'allocation.gpu must be an integer 0–100, got 101',
    );
  });
});

describe('setting paths', () => {
  it('build patches and read values by dotted path', () => {
    expect(patchAt('allocation.cpu', 25)).toEqual({ allocation: { cpu: 25 } });
    expect(getSettingAt(DEFAULT_SETTINGS, 'proxy.selection')).toBe('balanced');
    expect(() => patchAt('allocation.cpu', 120)).toThrow('allocation.cpu must be an integer 0–100, got 120');
    expect(() => patchAt('allocation..cpu', 1)).toThrow('is not a setting path');
    expect(() => getSettingAt(DEFAULT_SETTINGS, 'allocation.disk')).toThrow('allocation.disk is not a known setting');
  });
});

describe('app.autoUpdate', () => {
  it('is on by default, takes only a boolean, and is filled in for documents stored before it existed', () => {
    expect(DEFAULT_SETTINGS.app.autoUpdate).toBe(true);
    expect(applySettingsPatch(DEFAULT_SETTINGS, { app: { autoUpdate: false } }).app).toEqual({
      ...DEFAULT_SETTINGS.app,
      autoUpdate: false,
    });
    expect(patchIssues({ app: { autoUpdate: 'yes' } }).join()).toMatch(/app\.autoUpdate/);
    const old = { ...DEFAULT_SETTINGS, app: { theme: 'dark', startAtLogin: true } };
    expect(() => validateSettings(old)).toThrow(ValidationError);
    expect(validateSettings(upgradeSettingsDocument(old)).app).toEqual({
      theme: 'dark',
      startAtLogin: true,
      autoUpdate: true,
      onboardingCompletedAt: null,
    });
  });
});

describe('app.onboardingCompletedAt', () => {
  it('is null by default, takes an ISO time or null, and is null for documents stored before it existed', () => {
    expect(DEFAULT_SETTINGS.app.onboardingCompletedAt).toBeNull();
    const done = '2026-12-07T12:00:00.000Z';
    expect(
      applySettingsPatch(DEFAULT_SETTINGS, { app: { onboardingCompletedAt: done } }).app.onboardingCompletedAt,
    ).toBe(done);
    expect(patchIssues({ app: { onboardingCompletedAt: 'yesterday' } }).join()).toMatch(
      /app\.onboardingCompletedAt must be an ISO time/,
    );
    const old = { ...DEFAULT_SETTINGS, app: { theme: 'light', startAtLogin: false, autoUpdate: false } };
    expect(validateSettings(upgradeSettingsDocument(old)).app.onboardingCompletedAt).toBeNull();
  });
});

describe('notification settings', () => {
  it('are all on by default, and an older document without them loads with every kind on', () => {
    for (const kind of NOTICE_KINDS) expect(DEFAULT_SETTINGS.notifications[kind]).toBe(true);
    const { notifications: _dropped, ...old } = DEFAULT_SETTINGS;
    expect(validateSettings(upgradeSettingsDocument(old)).notifications).toEqual(DEFAULT_SETTINGS.notifications);
  });

  it('keep what the person turned off and add kinds added since', () => {
    const old = { ...DEFAULT_SETTINGS, notifications: { 'job-failed': false } };
    const upgraded = validateSettings(upgradeSettingsDocument(old)).notifications;
    expect(upgraded['job-failed']).toBe(false);
    expect(upgraded['first-earnings']).toBe(true);
  });

  it('refuse unknown kinds and non-booleans, naming the field', () => {
    expect(patchIssues({ notifications: { 'job-failed': 'no' } })).toEqual([
      'notifications.job-failed must be true or false, got "no"',
    ]);
    expect(patchIssues({ notifications: { spam: true } })[0]).toContain('notifications.spam is not a known setting');
  });
});
