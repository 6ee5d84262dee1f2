import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors';
import { recoveryPlan } from './recovery';

const backups = [
  { file: '/d/backups/b2.db', takenAt: new Date('2026-12-06T10:00:00Z'), reason: 'daily' as const, bytes: 8192 },
  {
    file: '/d/backups/b1.db',
    takenAt: new Date('2026-12-05T10:00:00Z'),
    reason: 'pre-migration' as const,
    bytes: 4096,
  },
];

describe('recovery plan (by error code)', () => {
  it('a damaged or missing database: restore the newest backup, open the folder, or quit; lists every backup', () => {
    for (const code of [ErrorCode.StoreCorrupt, ErrorCode.StoreMissing]) {
      const plan = recoveryPlan(code, backups, '/d');
      expect(plan?.buttons.map((b) => b.action)).toEqual([
        { kind: 'restore', file: '/d/backups/b2.db' },
        { kind: 'open-folder' },
        { kind: 'quit' },
      ]);
      expect(plan?.buttons[0]?.label).toBe('Restore the latest backup');
      expect(plan?.detail).toContain('daily');
      expect(plan?.detail).toContain('pre-migration');
      expect(plan?.detail).toContain('/d');
    }
  });

  it('no backup: no restore button, and it says so', () => {
    const plan = recoveryPlan(ErrorCode.StoreCorrupt, [], '/d');
    expect(plan?.buttons.map((b) => b.action.kind)).toEqual(['open-folder', 'quit']);
    expect(plan?.detail).toContain('no backup');
  });

  it('an identity problem: a database backup is no fix, so the way out is the identity file', () => {
    for (const code of [ErrorCode.IdentityMissing, ErrorCode.IdentityCorrupt]) {
      const plan = recoveryPlan(code, backups, '/d');
      expect(plan?.buttons.map((b) => b.action.kind)).toEqual(['open-folder', 'quit']);
      expect(plan?.detail).toContain('identity.json');
    }
  });

  it('other failures get no recovery dialog', () => {
    expect(recoveryPlan(ErrorCode.DataDirLocked, backups, '/d')).toBeUndefined();
    expect(recoveryPlan('SOMETHING_ELSE', backups, '/d')).toBeUndefined();
  });
});
