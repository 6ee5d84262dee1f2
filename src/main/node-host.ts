import type { ApiReply, EventMessage } from '../shared/api/contract';
import { parseFromNodeFrame, type ReadingsFrame, type ToNodeFrame } from '../shared/api/port-protocol';
import { ErrorCode, type ApiErrorBody } from '../shared/errors';
import { TypedEvents } from '../node-core/events';
import type { ElectronApi, UtilityProcessLike } from './electron-api';
import { DEFAULT_RESTART_POLICY, decideAfterCrash, type RestartPolicy } from './restart-policy';

export interface NodeHostEvents {
  /** The node process started and its node is running (again, after a restart). */
  ready: { readonly nodeId: string; readonly nodeIdShort: string; readonly restarts: number };
  event: EventMessage;
  /** The process died without being asked to; `restarting` false means the crash-loop limit was hit. */
  crashed: { readonly exitCode: number; readonly restarting: boolean; readonly recentCrashes: number };
  /** The node could not start (locked data folder, corrupt store…): no restart, the error and log are shown. */
  failed: { readonly error: ApiErrorBody };
}

export interface NodeHostOptions {
  readonly utilityProcess: ElectronApi['utilityProcess'];
  /** The built node entry (out/main/node-process.js). */
  readonly entry: string;
  readonly args: readonly string[];
  readonly policy?: RestartPolicy;
  readonly now?: () => number;
  /** Lines of the process's output kept for the error window. */
  readonly logLines?: number;
}

/** clean: the node said it stopped; exited: the process ended before saying so; killed: it took too long. */
export type StopOutcome = 'clean' | 'exited' | 'killed' | 'not-running';

const NOT_RUNNING: ApiReply<never> = {
  ok: false,
  error: { code: ErrorCode.NodeNotRunning, message: 'the node is restarting; try again in a moment' },
};

/**
 * Runs the node in its own process (an Electron utilityProcess) and relays the API contract to it over the
 * process's message port: calls out, replies and events back. Restarts it after a crash, within a crash-loop limit.
 */
export class NodeHost {
  readonly events = new TypedEvents<NodeHostEvents>();
  private child: UtilityProcessLike | undefined;
  private ready = false;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: ApiReply<unknown>) => void>();
  private crashes: readonly number[] = [];
  private restarts = 0;
  private stopping: Promise<StopOutcome> | undefined;
  private readonly lines: string[] = [];

  constructor(private readonly options: NodeHostOptions) {}

  /** The node process's recent output (its log, warnings and errors), newest last. */
  get log(): string {
    return this.lines.join('\n');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.ready;
  }

  /** Starts the node process; `extraArgs` apply to this start only (a restart after a crash goes without them). */
  start(extraArgs: readonly string[] = []): void {
    if (this.child) throw new Error('the node process is already running');
    const child = this.options.utilityProcess.fork(this.options.entry, [...this.options.args, ...extraArgs], {
      serviceName: 'HyperMesh node',
      stdio: 'pipe',
    });
    this.child = child;
    let startFailed = false;
    this.capture(child.stdout);
    this.capture(child.stderr);
    child.on('message', (data: unknown) => {
      const frame = parseFromNodeFrame(data);
      if (!frame) return this.note('main: dropped a malformed frame from the node process');
      switch (frame.t) {
        case 'ready':
          this.ready = true;
          this.events.emit('ready', { nodeId: frame.nodeId, nodeIdShort: frame.nodeIdShort, restarts: this.restarts });
          break;
        case 'failed':
          startFailed = true;
          this.note(`main: the node could not start: ${frame.error.code}: ${frame.error.message}`);
          this.events.emit('failed', { error: frame.error });
          break;
        case 'reply':
          this.pending.get(frame.id)?.(frame.reply);
          this.pending.delete(frame.id);
          break;
        case 'event':
          this.events.emit('event', frame.message);
          break;
        case 'stopped':
          break; // handled by stop()
      }
    });
    child.on('exit', (code: number) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.ready = false;
      for (const answer of this.pending.values()) answer(NOT_RUNNING);
      this.pending.clear();
      if (this.stopping || startFailed) return;
      this.note(`main: the node process exited unexpectedly (code ${code})`);
      const decision = decideAfterCrash(this.crashes, (this.options.now ?? Date.now)(), this.policy);
      this.crashes = decision.recent;
      const restarting = decision.action === 'restart';
      this.events.emit('crashed', { exitCode: code, restarting, recentCrashes: decision.recent.length });
      if (restarting) {
        this.restarts++;
        this.start();
      }
    });
  }

  /**
   * Starts the node again after it failed or stopped (the error window's restore passes `--restore-from FILE`):
   * waits until the last process is gone, then starts afresh, with a fresh crash count.
   */
  async startAgain(extraArgs: readonly string[] = []): Promise<void> {
    if (this.child) await this.stop();
    this.stopping = undefined;
    this.crashes = [];
    this.start(extraArgs);
  }

  /** One API call, relayed as is: the node process validates and dispatches it like every other carrier. */
  call(method: unknown, args: unknown, signal?: AbortSignal): Promise<ApiReply<unknown>> {
    const child = this.child;
    if (!child || !this.ready) return Promise.resolve(NOT_RUNNING);
    if (typeof method !== 'string' || !Array.isArray(args)) {
      return Promise.resolve({
        ok: false,
        error: { code: ErrorCode.BadRequest, message: 'a call is a method name and an array of arguments' },
      });
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      const onAbort = () => {
        this.pending.delete(id);
        resolve({ ok: false, error: { code: ErrorCode.Internal, message: 'the call was cancelled' } });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, (reply) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(reply);
      });
      this.post(child, { t: 'call', id, method, args: args as unknown[] });
    });
  }

  /**
   * powerMonitor readings for the node's sharing rules; no reply. Dropped while no node process runs (the app sends
   * them again when one is ready).
   */
  sendReadings(frame: ReadingsFrame): void {
    if (this.child && !this.stopping) this.post(this.child, frame);
  }

  /**
   * Asks the node to stop cleanly (store flushed, data folder lock released) and waits up to `timeoutMs` for it;
   * then kills the process. Resolves once the process is gone.
   */
  stop(timeoutMs = 15_000): Promise<StopOutcome> {
    this.stopping ??= this.doStop(timeoutMs);
    return this.stopping;
  }

  private async doStop(timeoutMs: number): Promise<StopOutcome> {
    const child = this.child;
    if (!child) return 'not-running';
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const stopped = new Promise<'clean'>((resolve) =>
      child.on('message', (data: unknown) => {
        if (parseFromNodeFrame(data)?.t === 'stopped') resolve('clean');
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'killed'>((resolve) => {
      timer = setTimeout(() => resolve('killed'), timeoutMs);
    });
    this.post(child, { t: 'stop' });
    const outcome = await Promise.race([stopped, exited.then(() => 'exited' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'killed') this.note(`main: the node did not stop within ${timeoutMs} ms; killing it`);
    child.kill();
    // kill() asks politely (SIGTERM on POSIX); a process that does not go gets SIGKILL.
    let gone = false;
    await Promise.race([exited.then(() => (gone = true)), new Promise((r) => setTimeout(r, 5_000))]);
    if (!gone && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    }
    return outcome;
  }

  private get policy(): RestartPolicy {
    return this.options.policy ?? DEFAULT_RESTART_POLICY;
  }

  private post(child: UtilityProcessLike, frame: ToNodeFrame | ReadingsFrame): void {
    try {
      child.postMessage(frame);
    } catch (err) {
      this.note(`main: could not post to the node process: ${String(err)}`);
    }
  }

  private capture(stream: NodeJS.ReadableStream | null): void {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) this.note(line);
    });
  }

  private note(line: string): void {
    this.lines.push(line);
    const max = this.options.logLines ?? 400;
    if (this.lines.length > max) this.lines.splice(0, this.lines.length - max);
  }
}
