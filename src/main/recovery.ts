import type { BackupInfo } from '../node-core/store/backup-files';
import { ErrorCode } from '../shared/errors';

/** What a button of the recovery dialog does. */
export type RecoveryAction =
  { readonly kind: 'restore'; readonly file: string } | { readonly kind: 'open-folder' } | { readonly kind: 'quit' };

export interface RecoveryPlan {
  /** What is wrong, in one sentence. */
  readonly message: string;
  /** The way out, and the backups with their dates (newest first). */
  readonly detail: string;
  readonly buttons: readonly { readonly label: string; readonly action: RecoveryAction }[];
}

/** The start failures the error window offers a way out of: a damaged or missing database, or identity. */
const RECOVERABLE: ReadonlySet<string> = new Set([
  ErrorCode.StoreCorrupt,
  ErrorCode.StoreMissing,
  ErrorCode.IdentityCorrupt,
  ErrorCode.IdentityMissing,
]);

const WHAT: Readonly<Record<string, string>> = {
  [ErrorCode.StoreCorrupt]: 'The node’s database (hypermesh.db) is damaged or empty, so the node did not start.',
  [ErrorCode.StoreMissing]: 'The node’s database (hypermesh.db) is missing, so the node did not start.',
  [ErrorCode.IdentityCorrupt]: 'The node’s identity (identity.json) cannot be read, so the node did not start.',
  [ErrorCode.IdentityMissing]:
    'The node’s identity (identity.json) is missing while its database is there, so the node did not start.',
};

/** When a backup was taken, as the user's clock shows it. */
function when(at: Date): string {
  return at.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * The recovery dialog for a start failure, decided by its code alone (codes are data; the message is only shown), or
 * undefined when the failure is not one the dialog can help with. Restoring puts back the database only: it is
 * offered for database failures and when there is a backup; an identity is restored by the user, from their copy.
 */
export function recoveryPlan(code: string, backups: readonly BackupInfo[], dataDir: string): RecoveryPlan | undefined {
  if (!RECOVERABLE.has(code)) return undefined;
  const store = code === ErrorCode.StoreCorrupt || code === ErrorCode.StoreMissing;
  const newest = backups[0];
  const list = backups.map((b) => `  ${when(b.takenAt)} (${b.reason}, ${Math.ceil(b.bytes / 1024)} KiB)`).join('\n');
  let way: string;
  if (!store) {
    way =
      'Put your copy of identity.json back into the data folder and start HyperMesh again; or, to start afresh as a ' +
      'new node, move hypermesh.db out of the data folder (its wallet and certificates belong to the old identity).';
  } else if (newest) {
    way =
      `Restore the latest backup, taken ${when(newest.takenAt)}: the damaged database is moved aside (not deleted) ` +
      'and the node starts again on the backup. Changes since then are lost.';
  } else {
    way = 'There is no backup to restore. Open the data folder to move hypermesh.db away and start afresh.';
  }
  const detail = `${way}\n\nData folder: ${dataDir}\n\nBackups:\n${list || '  none yet'}`;
  return {
    message: WHAT[code] ?? 'The node did not start.',
    detail,
    buttons: [
      ...(store && newest
        ? [{ label: 'Restore the latest backup', action: { kind: 'restore', file: newest.file } as const }]
        : []),
      { label: 'Open data folder', action: { kind: 'open-folder' } as const },
      { label: 'Quit', action: { kind: 'quit' } as const },
    ],
  };
}
