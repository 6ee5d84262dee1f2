import type { ApiReply, EventMessage, NodeApiMethod } from '../../../shared/api/contract';

/** How the UI reaches the node: Electron IPC through the preload bridge, or the loopback HTTP API. */
export interface ApiTransport {
  readonly kind: 'electron' | 'http';
  call(method: NodeApiMethod, args: readonly unknown[]): Promise<ApiReply<unknown>>;
  /** Pushed node events; `onConnection` reports whether the event stream is live. */
  subscribe(onEvent: (message: EventMessage) => void, onConnection: (live: boolean) => void): () => void;
}

/** What the preload exposes as `window.nodeBridge` (see src/preload). */
export interface NodeBridge {
  invoke(method: string, args: readonly unknown[]): Promise<ApiReply<unknown>>;
  onEvent(listener: (message: EventMessage) => void): () => void;
}

declare global {
  interface Window {
    nodeBridge?: NodeBridge;
  }
}

export function electronTransport(bridge: NodeBridge): ApiTransport {
  return {
    kind: 'electron',
    call: (method, args) => bridge.invoke(method, args),
    subscribe(onEvent, onConnection) {
      onConnection(true);
      return bridge.onEvent(onEvent);
    },
  };
}

const TOKEN_KEY = 'hypermesh.apiToken';

/**
 * Takes the API token from the URL fragment (`#token=…`, never sent to servers) into session storage and removes
 * it from the address bar, so it does not end up in bookmarks or screenshots.
 */
export function takeTokenFromLocation(location: Location, storage: Storage, history: History): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match?.[1]) {
    storage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', `${location.pathname}${location.search}#/dashboard`);
    return match[1];
  }
  return storage.getItem(TOKEN_KEY);
}

export function httpTransport(origin: string, token: string): ApiTransport {
  return {
    kind: 'http',
    async call(method, args) {
      const res = await fetch(`${origin}/api/call`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ method, args }),
      });
      return (await res.json()) as ApiReply<unknown>;
    },
    subscribe(onEvent, onConnection) {
      let socket: WebSocket | undefined;
      let closed = false;
      let retry = 500;
      const connect = () => {
        const wsOrigin = origin.replace(/^http/, 'ws');
        socket = new WebSocket(`${wsOrigin}/api/events?token=${encodeURIComponent(token)}`);
        socket.onopen = () => {
          retry = 500;
          onConnection(true);
        };
        socket.onmessage = (ev: MessageEvent<string>) => {
          try {
            onEvent(JSON.parse(ev.data) as EventMessage);
          } catch {
            // a malformed frame is ignored; the next status poll corrects the view
          }
        };
        socket.onclose = () => {
          onConnection(false);
          if (closed) return;
          setTimeout(connect, retry);
          retry = Math.min(retry * 2, 10_000);
        };
      };
      connect();
      return () => {
        closed = true;
        socket?.close();
      };
    },
  };
}
