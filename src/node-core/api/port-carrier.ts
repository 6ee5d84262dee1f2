import type { NodeEvents } from '../../shared/api/contract';
import { ErrorCode } from '../../shared/errors';
import { parseToNodeFrame, type FromNodeFrame } from '../../shared/api/port-protocol';
import type { TypedEvents } from '../events';
import type { Logger } from '../logging/index';
import type { Dispatch } from './dispatch';
import { onEveryEvent } from './event-feed';

/**
 * The shape shared by Electron's `process.parentPort`, its MessagePortMain, and the Node IPC adapter below: messages
 * arrive as `{ data }` events.
 */
export interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
}

export interface PortCarrier {
  /** Stops forwarding events; calls still in flight are answered. */
  close(): void;
}

/**
 * The third carrier of the API contract (beside Electron IPC and loopback HTTP/WebSocket): calls arrive as frames on
 * a message port and go through the same dispatch (validation included); node events are pushed as frames.
 */
export function servePort(options: {
  readonly port: PortLike;
  readonly dispatch: Dispatch;
  readonly events: TypedEvents<NodeEvents>;
  readonly log: Logger;
  /** A `stop` frame: the owner stops the node, then posts `stopped`. */
  readonly onStop: () => void;
}): PortCarrier {
  const { port, dispatch, log } = options;
  let open = true;
  const post = (frame: FromNodeFrame) => {
    try {
      port.postMessage(frame);
    } catch (err) {
      log.warn(`could not post to the app: ${String(err)}`);
    }
  };
  port.on('message', ({ data }) => {
    const frame = parseToNodeFrame(data);
    if (!frame) {
      // No id to answer to: a frame that does not parse is a bug in the sender, so it is logged, not guessed at.
      log.warn('dropped a malformed frame from the app');
      return;
    }
    if (frame.t === 'stop') {
      options.onStop();
      return;
    }
    void dispatch(frame.method, frame.args).then(
      (reply) => post({ t: 'reply', id: frame.id, reply }),
      () =>
        post({
          t: 'reply',
          id: frame.id,
          reply: { ok: false, error: { code: ErrorCode.Internal, message: 'internal error' } },
        }),
    );
  });
  const unsubscribe = onEveryEvent(options.events, (message) => {
    if (open) post({ t: 'event', message });
  });
  return {
    close() {
      open = false;
      unsubscribe();
    },
  };
}

/**
 * The port to the process that started this one: Electron's `process.parentPort` in a utilityProcess, else the Node
 * IPC channel of `child_process.fork` (tests and benchmarks run the same entry that way).
 */
export function parentPort(): PortLike {
  const electronPort = (process as { parentPort?: PortLike }).parentPort;
  if (electronPort) return electronPort;
  const send = process.send?.bind(process);
  if (!send) throw new Error('this entry must be started by the HyperMesh app (no parent port or IPC channel)');
  return {
    postMessage: (message) => void send(message),
    on: (_event, listener) => process.on('message', (data) => listener({ data })),
  };
}
