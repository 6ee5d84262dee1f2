import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogEntry, LogLevel, LogQuery } from '../../shared/api/contract';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  child(source: string): Logger;
}

export interface LogBookOptions {
  /** Where entries are appended as JSON lines; none keeps them in memory only. */
  readonly file?: string;
  /** How many recent entries stay in memory for the Logs page. */
  readonly capacity?: number;
  /** Also echo to stderr (the headless CLI does; tests do not). */
  readonly echo?: boolean;
  readonly minLevel?: LogLevel;
}

const MAX_FILE_BYTES = 10 * 1024 * 1024;

// The API token may reach a message inside a URL (`#token=`, `?token=`), a header or JSON; the log file is offered
// for download on the Logs page, so every entry is scrubbed before it is kept, echoed or written.
const SECRETS = /(\btoken=|\bBearer\s+|"token"\s*:\s*")[A-Za-z0-9_~.%+/=-]+/gi;

/** The message with API tokens replaced by `[redacted]`. */
export function redactSecrets(message: string): string {
  return message.replace(SECRETS, '$1[redacted]');
}

/** Keeps recent log entries for the UI and appends every entry to a rotating file. */
export class LogBook {
  private readonly entries: LogEntry[] = [];
  private readonly listeners = new Set<(entry: LogEntry) => void>();
  private seq = 0;
  private folderReady = false;
  private readonly capacity: number;
  private readonly minRank: number;
  private echoing: boolean;

  constructor(private readonly options: LogBookOptions = {}) {
    this.capacity = options.capacity ?? 5000;
    this.minRank = LOG_LEVELS.indexOf(options.minLevel ?? 'info');
    this.echoing = options.echo ?? false;
    // When whoever read stderr is gone (EPIPE), echoing stops: otherwise the failed write is an error, the error is
    // logged, the log line is echoed, and the node spins writing to a closed pipe.
    if (this.echoing) process.stderr.on('error', () => (this.echoing = false));
  }

  logger(source: string): Logger {
    const write = (level: LogLevel) => (message: string) => this.write(level, source, message);
    return {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (sub) => this.logger(`${source}/${sub}`),
    };
  }

  write(level: LogLevel, source: string, message: string): void {
    if (LOG_LEVELS.indexOf(level) < this.minRank) return;
    const entry: LogEntry = {
      seq: ++this.seq,
      time: new Date().toISOString(),
      level,
      source,
      message: redactSecrets(message),
    };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    if (this.echoing) process.stderr.write(`${entry.time} ${level.toUpperCase()} [${source}] ${entry.message}\n`);
    if (this.options.file) this.append(entry);
    for (const listener of this.listeners) listener(entry);
  }

  query(query: LogQuery = {}): LogEntry[] {
    const minRank = LOG_LEVELS.indexOf(query.minLevel ?? 'debug');
    const text = query.text?.toLowerCase();
    const limit = query.limit ?? 500;
    const found = this.entries.filter(
      (e) =>
        LOG_LEVELS.indexOf(e.level) >= minRank &&
        (!text || e.message.toLowerCase().includes(text) || e.source.toLowerCase().includes(text)),
    );
    return found.slice(-limit);
  }

  subscribe(listener: (entry: LogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private append(entry: LogEntry): void {
    const file = this.options.file;
    if (!file) return;
    try {
      // Made on first write, so that a bad data directory is reported by the node, not by its logger.
      if (!this.folderReady) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      this.folderReady = true;
      if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > MAX_FILE_BYTES) renameSync(file, `${file}.1`);
      appendFileSync(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    } catch {
      // A full or read-only disk must not take the node down; the in-memory log still has the entry.
    }
  }
}
