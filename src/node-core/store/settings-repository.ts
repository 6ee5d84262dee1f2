import { DEFAULT_SETTINGS, upgradeSettingsDocument, validateSettings, type Settings } from '../../shared/settings';
import { ValidationError } from '../../shared/errors';
import type { Db } from './database';

export type LoadedSettings =
  | { readonly kind: 'stored'; readonly settings: Settings }
  | { readonly kind: 'default'; readonly settings: Settings }
  /** The stored row could not be read; it was moved to quarantine and safe defaults are in effect. */
  | { readonly kind: 'recovered'; readonly settings: Settings; readonly reason: string };

/** Settings live in one row as a JSON document; every write replaces it in one transaction. */
export class SettingsRepository {
  constructor(private readonly db: Db) {}

  load(): LoadedSettings {
    const row = this.db.prepare('SELECT document FROM settings WHERE id = 1').get() as { document: string } | undefined;
    if (!row) return { kind: 'default', settings: DEFAULT_SETTINGS };
    try {
      return { kind: 'stored', settings: validateSettings(upgradeSettingsDocument(JSON.parse(row.document))) };
    } catch (err) {
      const reason =
        err instanceof ValidationError
          ? err.message
          : `not valid JSON (${err instanceof Error ? err.message : String(err)})`;
      this.quarantine(row.document, reason);
      return { kind: 'recovered', settings: DEFAULT_SETTINGS, reason };
    }
  }

  save(settings: Settings): void {
    this.db
      .prepare(
        `INSERT INTO settings (id, document, updated_at) VALUES (1, ?, ?)
         ON CONFLICT(id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`,
      )
      .run(JSON.stringify(settings), new Date().toISOString());
  }

  /** Moves the unreadable row aside (kept, never dropped) so a later save cannot overwrite the only copy. */
  private quarantine(document: string, reason: string): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO quarantine (source, content, reason, moved_at) VALUES (?, ?, ?, ?)')
        .run('settings', document, reason, new Date().toISOString());
      this.db.prepare('DELETE FROM settings WHERE id = 1').run();
    })();
  }
}
