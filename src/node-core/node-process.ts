import { parseReadingsFrame, type ReadingsFrame } from '../shared/api/port-protocol';
import { ErrorCode, HyperMeshError } from '../shared/errors';
import { isPlainObject } from '../shared/validate';
import { createDispatch } from './api/index';
import { parentPort, servePort, type PortLike } from './api/index';
import type { FedReadings } from './governor/index';
import { createNode, type HyperMeshNode, type NodeConfig, type NodeOverrides } from './node';
import { restoreDatabase } from './store/index';

/** What the app passes on the command line of the node process. */
export interface NodeProcessArgs {
  readonly dataDir: string;
  readonly listen?: { readonly host: string; readonly port: number };
  /** A backup to put in place of the database before the node starts (the error window's restore). */
  readonly restoreFrom?: string;
  /** The plain Node runtime the desktop app ships: GPU jobs go on (hardware adapters only) and run their children on it. */
  readonly gpuRuntime?: string;
}

/**
 * `--data-dir DIR [--listen HOST:PORT] [--restore-from BACKUP] [--gpu-runtime NODE]`; throws on anything else (the app builds these, so
 * an error is a bug).
 */
export function parseNodeProcessArgs(argv: readonly string[]): NodeProcessArgs {
  let dataDir: string | undefined;
  let listen: NodeProcessArgs['listen'];
  let restoreFrom: string | undefined;
  let gpuRuntime: string | undefined;
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`node process: ${flag} needs a value`);
    if (flag === '--data-dir') dataDir = value;
    else if (flag === '--listen') {
      const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(value);
      const port = Number(m?.[2]);
      if (!m?.[1] || port > 65535) throw new Error(`node process: --listen must be HOST:PORT, got ${value}`);
      listen = { host: m[1], port };
    } else if (flag === '--restore-from' && value !== '') restoreFrom = value;
    else if (flag === '--gpu-runtime' && value !== '') gpuRuntime = value;
    else throw new Error(`node process: unknown flag ${flag}`);
  }
  if (!dataDir) throw new Error('node process: --data-dir is required');
  return {
    dataDir,
    ...(listen ? { listen } : {}),
    ...(restoreFrom === undefined ? {} : { restoreFrom }),
    ...(gpuRuntime === undefined ? {} : { gpuRuntime }),
  };
}

/**
 * The node in its own process, as the desktop app runs it: serves the API contract on the parent port, pushes
 * events, and stops cleanly on a `stop` frame, SIGINT or SIGTERM (the headless CLI's stop path: node.stop() flushes
 * the store and releases the data folder lock). Exits 0 after a clean stop, 1 if the node could not start.
 */
export async function runNodeProcess(
  args: NodeProcessArgs,
  port: PortLike = parentPort(),
  // Benchmarks run the same process with a CA and a load of their own.
  extra: {
    readonly config?: Omit<NodeConfig, 'dataDir'>;
    readonly overrides?: NodeOverrides;
    readonly onStarted?: (node: HyperMeshNode) => void;
    readonly onStopping?: () => void;
  } = {},
): Promise<void> {
  const config: NodeConfig = {
    ...extra.config,
    dataDir: args.dataDir,
    ...(args.gpuRuntime === undefined ? {} : { gpuJobs: 'on' as const, gpuRuntime: args.gpuRuntime }),
    transportRequired: false,
    // Main keeps the recent lines for the error window it shows if the node keeps crashing.
    logToStderr: true,
    ...(args.listen ? { listen: args.listen } : {}),
  };
  const fail = (err: unknown) => {
    const error =
      err instanceof HyperMeshError
        ? err.toBody()
        : { code: ErrorCode.Internal, message: err instanceof Error ? err.message : String(err) };
    process.stderr.write(`HyperMesh node could not start: ${error.message}\n`);
    port.postMessage({ t: 'failed', error });
    setTimeout(() => process.exit(1), 1000);
  };
  if (args.restoreFrom !== undefined) {
    // The same restore as `hypermesh db restore --from`: checked, the replaced database moved aside, under the lock.
    try {
      const result = restoreDatabase(args.dataDir, { file: args.restoreFrom });
      process.stderr.write(
        `restored ${result.restored}${result.movedAside ? `; the replaced database was moved to ${result.movedAside}` : ''}\n`,
      );
    } catch (err) {
      fail(err);
      return;
    }
  }
  const node = createNode(config, extra.overrides);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      extra.onStopping?.();
      carrier?.close();
      try {
        await node.stop();
      } catch (err) {
        node.log.error(`error while stopping: ${String(err)}`);
      }
      port.postMessage({ t: 'stopped' });
      // The app ends the process once it has `stopped`; a grace period lets the frame go out if nobody does.
      setTimeout(() => process.exit(0), 1000);
    })();
  };
  // The app's powerMonitor readings go to the sharing governor; they are not API calls, so they are taken off the port
  // here and the API carrier sees the rest. Readings that come before the node started are merged and fed once it has.
  let started = false;
  let early: FedReadings = {};
  const feed = (frame: ReadingsFrame) => {
    const { t: _t, ...readings } = frame;
    if (started) node.sharing?.feed(readings);
    else early = { ...early, ...readings };
  };
  const apiPort: PortLike = {
    postMessage: (message) => port.postMessage(message),
    on: (event, listener) =>
      port.on(event, (message) => {
        if (!isPlainObject(message.data) || message.data.t !== 'readings') return listener(message);
        const frame = parseReadingsFrame(message.data);
        if (frame) feed(frame);
        else node.log.warn('dropped a malformed readings frame from the app');
      }),
  };
  let carrier: ReturnType<typeof servePort> | undefined = servePort({
    port: apiPort,
    dispatch: createDispatch(node.api, node.log.child('port')),
    events: node.events,
    log: node.log.child('port'),
    onStop: stop,
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // A fault in one request or peer must not take the node down (as in the headless CLI): log it and keep serving.
  process.on('uncaughtException', (err) => node.log.error(`unexpected error: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => node.log.error(`unexpected rejection: ${String(err)}`));
  try {
    await node.start();
  } catch (err) {
    carrier.close();
    carrier = undefined;
    fail(err);
    return;
  }
  started = true;
  if (Object.keys(early).length > 0) node.sharing?.feed(early);
  extra.onStarted?.(node);
  port.postMessage({ t: 'ready', nodeId: node.identity.nodeId, nodeIdShort: node.identity.nodeIdShort });
}
