import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, applySettingsPatch } from '../../shared/settings';
import { closeDatabase, openDatabase } from './database';
import { SettingsRepository } from './settings-repository';

describe('SettingsRepository', () => {
  it('gives defaults when nothing is stored, then what was saved', () => {
    const db = openDatabase(':memory:');
    const repo = new SettingsRepository(db);
    expect(repo.load()).toEqual({ kind: 'default', settings: DEFAULT_SETTINGS });
    const changed = applySettingsPatch(DEFAULT_SETTINGS, { privacyLevel: 'P2P', allocation: { cpu: 25 } });
    repo.save(changed);
    repo.save(changed);
    expect(repo.load()).toEqual({ kind: 'stored', settings: changed });
    closeDatabase(db);
  });

  it('upgrades a document from before the network section, keeping every value', () => {
    const db = openDatabase(':memory:');
    const { network: _n, ...old } = applySettingsPatch(DEFAULT_SETTINGS, { allocation: { cpu: 30 } });
    db.prepare('INSERT INTO settings (id, document, updated_at) VALUES (1, ?, ?)').run(JSON.stringify(old), 'x');
    const loaded = new SettingsRepository(db).load();
    expect(loaded.kind).toBe('stored');
    expect(loaded.settings.allocation.cpu).toBe(30);
    expect(loaded.settings.network).toEqual(DEFAULT_SETTINGS.network);
    closeDatabase(db);
  });

  for (const [what, document] of [
    ['broken JSON', '{"privacyLevel": "P2P",'],
    [
      'an out-of-range value',
      JSON.stringify({ ...DEFAULT_SETTINGS, allocation: { ...DEFAULT_SETTINGS.allocation, cpu: 400 } }),
    ],
  ] as const) {
    it(`moves a row with ${what} to quarantine and falls back to sharing nothing`, () => {
      const db = openDatabase(':memory:');
      db.prepare('INSERT INTO settings (id, document, updated_at) VALUES (1, ?, ?)').run(document, 'x');
      const loaded = new SettingsRepository(db).load();
      expect(loaded.kind).toBe('recovered');
      expect(loaded.settings).toEqual(DEFAULT_SETTINGS);
      const kept = db.prepare('SELECT source, content FROM quarantine').all();
      expect(kept).toEqual([{ source: 'settings', content: document }]);
      if (what === 'an out-of-range value' && loaded.kind === 'recovered') {
        expect(loaded.reason).toContain('allocation.cpu must be an integer 0–100, got 400');
      }
      closeDatabase(db);
    });
  }
});
