import type { CliOptions } from './cli-args';
import { listBackups } from './store/index';
import { restoreDatabase } from './store/index';

interface Io {
  out(text: string): void;
}

/** `hypermesh db backups` and `hypermesh db restore`: they work on the files, with no node running. */
export function runDbCommand(options: CliOptions, dataDir: string, io: Io): void {
  if (options.command === 'db-backups') {
    const backups = listBackups(dataDir);
    if (options.json) {
      const rows = backups.map((b) => ({ ...b, takenAt: b.takenAt.toISOString() }));
      io.out(`${JSON.stringify(rows, null, 2)}\n`);
    } else if (backups.length === 0) {
      io.out(`no backups in ${dataDir}/backups yet\n`);
    } else {
      for (const b of backups) {
        io.out(`${b.takenAt.toISOString()}  ${b.reason.padEnd(13)}  ${String(b.bytes).padStart(10)} B  ${b.file}\n`);
      }
    }
    return;
  }
  const result = restoreDatabase(dataDir, options.restoreFrom ?? 'latest');
  io.out(`restored ${result.restored}\n`);
  if (result.movedAside) io.out(`the replaced database was moved to ${result.movedAside}\n`);
}
