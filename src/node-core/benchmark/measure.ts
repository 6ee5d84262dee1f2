import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BENCHMARK_WORKER_SOURCE } from './worker-source';

export type WorkKind = 'int' | 'float' | 'memory';

/** Ops per second over `threads` worker threads running `kind` for `durationMs` each; rejects when aborted. */
export async function runWorkers(
  kind: WorkKind,
  threads: number,
  durationMs: number,
  signal: AbortSignal,
): Promise<number> {
  signal.throwIfAborted();
  const workers = Array.from(
    { length: threads },
    () => new Worker(BENCHMARK_WORKER_SOURCE, { eval: true, workerData: { kind, durationMs } }),
  );
  const stopAll = () => void Promise.all(workers.map((w) => w.terminate()));
  signal.addEventListener('abort', stopAll, { once: true });
  try {
    const results = await Promise.all(workers.map((w) => workerResult(w, signal)));
    return results.reduce((sum, r) => sum + (r.ops * 1000) / Math.max(1, r.elapsedMs), 0);
  } finally {
    signal.removeEventListener('abort', stopAll);
    stopAll();
  }
}

function workerResult(worker: Worker, signal: AbortSignal): Promise<{ ops: number; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { ops: number; elapsedMs: number }) => resolve(m));
    worker.once('error', reject);
    // Terminated by a cancel (the run then ends as cancelled), or stopped on its own.
    worker.once('exit', () => reject(new Error(signal.aborted ? 'cancelled' : 'a benchmark thread stopped early')));
  });
}

/** The temporary file's size at most; the write stops earlier when its time is up. */
const STORAGE_MAX_BYTES = 256 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

/**
 * Sequential write (fsync'd) then read of a temporary file in `dir`, each for at most `durationMs`; the file is
 * removed whatever happens. The read may partly come from the OS cache, as a peer's reads would.
 */
export async function measureStorage(
  dir: string,
  durationMs: number,
  signal: AbortSignal,
): Promise<{ writeBytesPerSec: number; readBytesPerSec: number }> {
  const path = join(dir, `benchmark-${randomBytes(6).toString('hex')}.tmp`);
  const chunk = randomBytes(CHUNK_BYTES);
  const file = await open(path, 'w+');
  try {
    let written = 0;
    const writeStart = performance.now();
    while (written < STORAGE_MAX_BYTES && performance.now() - writeStart < durationMs) {
      signal.throwIfAborted();
      written += (await file.write(chunk, 0, CHUNK_BYTES, written)).bytesWritten;
    }
    await file.sync();
    const writeMs = performance.now() - writeStart;
    let read = 0;
    const readStart = performance.now();
    while (read < written && performance.now() - readStart < durationMs) {
      signal.throwIfAborted();
      const got = (await file.read(chunk, 0, CHUNK_BYTES, read)).bytesRead;
      if (got === 0) break;
      read += got;
    }
    const readMs = performance.now() - readStart;
    return {
      writeBytesPerSec: (written * 1000) / Math.max(1, writeMs),
      readBytesPerSec: (read * 1000) / Math.max(1, readMs),
    };
  } finally {
    await file.close();
    await rm(path, { force: true });
  }
}
