import { Worker } from 'node:worker_threads';

/** A worker's reply: to task `id` (with its result, or `error` text), or `fatal` when the worker could not start. */
export interface WorkerReply {
  readonly id?: number;
  readonly error?: string;
  readonly fatal?: string;
}

export interface WorkerPoolOptions<R, M extends WorkerReply> {
  /** The worker's code, evaluated from a string (so it runs the same from Vitest, the bundled CLI and Electron). */
  readonly source: string;
  readonly workerData: unknown;
  /** Workers at the most. */
  readonly size: number;
  /** How errors name a worker ("consensus worker"). */
  readonly name: string;
  /** What a failed task's error says before the worker's text ("consensus worker task failed"). */
  readonly taskFailed: string;
  /** The pool's errors, of the subsystem's own type. */
  readonly error: (message: string) => Error;
  /** The error of a task run after close(). */
  readonly closed: () => Error;
  /** The task's result in a reply, or undefined when the reply reports a failure. */
  readonly result: (reply: M) => R | undefined;
}

export interface WorkerPool<R> {
  /** Runs a task on the least busy worker (a new one while all are busy and the pool is not full). */
  run(task: object): Promise<R>;
  close(): Promise<void>;
}

interface Pending<R> {
  resolve(result: R): void;
  reject(err: Error): void;
}

interface PoolWorker<R> {
  readonly worker: Worker;
  readonly pending: Map<number, Pending<R>>;
}

/**
 * A small pool of worker threads, started lazily. An idle worker does not keep the process alive, a busy one does
 * (until its tasks settle). A worker that crashes or exits fails its tasks and leaves the pool.
 */
export function createWorkerPool<R, M extends WorkerReply>(options: WorkerPoolOptions<R, M>): WorkerPool<R> {
  const workers: PoolWorker<R>[] = [];
  let nextId = 1;
  let closed = false;

  const failAll = (entry: PoolWorker<R>, err: Error): void => {
    for (const p of entry.pending.values()) p.reject(err);
    entry.pending.clear();
    entry.worker.unref();
  };

  const spawn = (): PoolWorker<R> => {
    const worker = new Worker(options.source, { eval: true, workerData: options.workerData });
    const entry: PoolWorker<R> = { worker, pending: new Map() };
    worker.on('message', (msg: M) => {
      if (msg.fatal) return failAll(entry, options.error(`${options.name} failed to start: ${msg.fatal}`));
      if (msg.id === undefined) return;
      const p = entry.pending.get(msg.id);
      if (!p) return;
      entry.pending.delete(msg.id);
      if (entry.pending.size === 0) entry.worker.unref();
      const result = options.result(msg);
      if (result !== undefined) p.resolve(result);
      else p.reject(options.error(`${options.taskFailed}: ${msg.error ?? 'unknown error'}`));
    });
    worker.on('error', (err) => failAll(entry, options.error(`${options.name} crashed: ${err.message}`)));
    worker.on('exit', () => {
      failAll(entry, options.error(`${options.name} exited`));
      const i = workers.indexOf(entry);
      if (i >= 0) workers.splice(i, 1);
    });
    // After the listeners: adding a 'message' listener refs the worker again. An idle worker keeps nothing alive;
    // run() refs it while it has tasks, so a process that awaits only pool work does not exit half-way (code 13).
    worker.unref();
    workers.push(entry);
    return entry;
  };

  return {
    run(task) {
      if (closed) return Promise.reject(options.closed());
      let target = workers.reduce<PoolWorker<R> | undefined>(
        (a, w) => (!a || w.pending.size < a.pending.size ? w : a),
        undefined,
      );
      if (!target || (target.pending.size > 0 && workers.length < options.size)) target = spawn();
      const chosen = target;
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (chosen.pending.size === 0) chosen.worker.ref();
        chosen.pending.set(id, { resolve, reject });
        chosen.worker.postMessage({ id, ...task });
      });
    },
    async close() {
      closed = true;
      await Promise.all(workers.splice(0).map((w) => w.worker.terminate()));
    },
  };
}
