import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventMessage, NodeEvents } from '../../shared/api/contract';
import { ErrorCode, HyperMeshError, type ApiErrorBody } from '../../shared/errors';
import { PortInUseError } from '../errors';
import type { TypedEvents } from '../events';
import type { Logger } from '../logging/index';
import type { Dispatch } from './dispatch';
import { onEveryEvent } from './event-feed';

export interface ApiServerOptions {
  readonly dispatch: Dispatch;
  readonly events: TypedEvents<NodeEvents>;
  readonly log: Logger;
  /** Loopback by default; anything else needs allowRemote. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly allowRemote?: boolean;
  /** Folder of the built UI, served from `/`; none serves the API only. */
  readonly uiDir?: string;
  /** Fixed token (tests); otherwise a random one per start. */
  readonly token?: string;
}

export interface ApiServer {
  /** The UI's address with the token in the fragment, which browsers never send to servers. */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

// Room for the largest call: a Catalog VM job of 8 MiB of code and 8 MiB of input, base64 in JSON. The token is
// checked before a body is read.
export const MAX_BODY_BYTES = 24 * 1024 * 1024;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export class ApiServerError extends HyperMeshError {}

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || (isIP(host) === 4 && host.startsWith('127.'));
}

function hostForUrl(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: ApiErrorBody['code'], message: string): void {
  sendJson(res, status, { ok: false, error: { code, message } });
}

/**
 * The loopback HTTP + WebSocket carrier of the node API, which also serves the built UI. Every API request needs
 * the per-start token; requests from other origins or with a foreign Host header (DNS rebinding) are refused.
 */
export function createApiServer(options: ApiServerOptions): ApiServer {
  const host = options.host ?? '127.0.0.1';
  if (!options.allowRemote && !isLoopbackHost(host)) {
    throw new ApiServerError(
      ErrorCode.InvalidArgument,
      `refusing to serve the API on ${host}: it is not a loopback address (pass --allow-remote-api to do so anyway)`,
    );
  }
  const token = options.token ?? randomBytes(32).toString('base64url');
  const uiDir = options.uiDir ? resolve(options.uiDir) : undefined;
  const log = options.log;
  let port = options.port ?? 0;
  let server: Server | undefined;
  let wss: WebSocketServer | undefined;
  const unsubscribers: (() => void)[] = [];

  const allowedHosts = (): Set<string> => {
    const names = new Set([`${hostForUrl(host)}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]);
    return names;
  };
  const originOk = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // same-origin GETs and non-browser clients send none
    try {
      const url = new URL(origin);
      return url.protocol === 'http:' && allowedHosts().has(url.host);
    } catch {
      return false;
    }
  };
  const hostOk = (req: IncomingMessage): boolean =>
    options.allowRemote === true || (req.headers.host !== undefined && allowedHosts().has(req.headers.host));

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new ApiServerError(ErrorCode.BadRequest, 'request body too large');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async function handleCall(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return sendError(res, 405, ErrorCode.BadRequest, 'use POST');
    const auth = req.headers.authorization;
    if (!sameToken(auth?.startsWith('Bearer ') ? auth.slice(7) : undefined, token)) {
      return sendError(res, 401, ErrorCode.Unauthorized, 'missing or wrong API token: open the URL the node printed');
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendError(res, 415, ErrorCode.BadRequest, 'send the call as application/json');
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (err) {
      const message = err instanceof ApiServerError ? err.message : 'the body is not valid JSON';
      return sendError(res, err instanceof ApiServerError ? 413 : 400, ErrorCode.BadRequest, message);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return sendError(res, 400, ErrorCode.BadRequest, 'the body must be {"method": ..., "args": [...]}');
    }
    const { method, args } = body as { method?: unknown; args?: unknown };
    sendJson(res, 200, await options.dispatch(method, args ?? []));
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, ErrorCode.BadRequest, 'use GET');
    if (!uiDir) return sendError(res, 404, ErrorCode.NotFound, 'this node serves no UI');
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return sendError(res, 400, ErrorCode.BadRequest, 'bad percent-encoding in the path');
    }
    // No file name holds NUL; the file system calls would throw on it.
    if (decoded.includes('\0')) return sendError(res, 404, ErrorCode.NotFound, 'not found');
    let file = normalize(join(uiDir, decoded));
    if (file !== uiDir && !file.startsWith(uiDir + sep)) {
      return sendError(res, 404, ErrorCode.NotFound, 'not found');
    }
    let stat = statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile()) {
      // Client-side routes fall back to the app; missing assets stay 404.
      if (extname(file)) return sendError(res, 404, ErrorCode.NotFound, 'not found');
      file = join(uiDir, 'index.html');
      stat = statSync(file, { throwIfNoEntry: false });
      if (!stat?.isFile()) return sendError(res, 404, ErrorCode.NotFound, 'the UI is not built: run npm run build');
    }
    const wsOrigin = `ws://${req.headers.host ?? `${hostForUrl(host)}:${port}`}`;
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=3600',
      'content-security-policy':
        `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; ` +
        `connect-src 'self' ${wsOrigin}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
    if (req.method === 'HEAD') return void res.end();
    pipeline(createReadStream(file), res, (err) => {
      if (err) log.debug(`serving ${pathname} stopped: ${err.message}`); // e.g. the UI was rebuilt meanwhile
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostOk(req)) return sendError(res, 403, ErrorCode.ForbiddenOrigin, 'unexpected Host header');
    if (!originOk(req)) return sendError(res, 403, ErrorCode.ForbiddenOrigin, 'requests from other sites are refused');
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      return sendError(res, 400, ErrorCode.BadRequest, 'bad URL');
    }
    if (pathname === '/api/call') return handleCall(req, res);
    if (pathname.startsWith('/api/')) return sendError(res, 404, ErrorCode.NotFound, `no API at ${pathname}`);
    return serveStatic(req, res, pathname);
  }

  function broadcast(message: EventMessage): void {
    if (!wss) return;
    const text = JSON.stringify(message);
    for (const client of wss.clients) {
      // A client that cannot keep up is dropped rather than buffering without bound.
      if (client.bufferedAmount > 4 * 1024 * 1024) client.terminate();
      else if (client.readyState === client.OPEN) client.send(text);
    }
  }

  return {
    get url() {
      return `http://${hostForUrl(host)}:${port}/#token=${token}`;
    },
    get origin() {
      return `http://${hostForUrl(host)}:${port}`;
    },
    get port() {
      return port;
    },
    token,
    async start() {
      const httpServer = createServer((req, res) => {
        handle(req, res).catch((err: unknown) => {
          // The path only: a query string may carry the API token.
          log.error(`HTTP ${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''} failed: ${String(err)}`);
          if (!res.headersSent) sendError(res, 500, ErrorCode.Internal, 'internal error; see the node log');
          else res.destroy();
        });
      });
      const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
      httpServer.on('upgrade', (req, socket, head) => {
        // Upgraded sockets lose Node's own error listener: a reset connection must not become an uncaught error.
        socket.on('error', () => socket.destroy());
        const url = new URL(req.url ?? '/', 'http://localhost');
        const refuse = (status: string) => {
          socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
        };
        if (url.pathname !== '/api/events') return refuse('404 Not Found');
        if (!hostOk(req) || !originOk(req)) return refuse('403 Forbidden');
        if (!sameToken(url.searchParams.get('token') ?? undefined, token)) return refuse('401 Unauthorized');
        sockets.handleUpgrade(req, socket, head, (ws: WebSocket) => {
          ws.on('error', () => ws.terminate()); // oversized or malformed frames
          ws.on('message', () => ws.close(1003, 'this socket only sends events'));
        });
      });
      await new Promise<void>((resolvePromise, reject) => {
        httpServer.once('error', (err: NodeJS.ErrnoException) => {
          reject(err.code === 'EADDRINUSE' ? new PortInUseError(host, port) : err);
        });
        httpServer.listen({ host, port, ipv6Only: isIP(host) === 6 }, () => resolvePromise());
      });
      const address = httpServer.address();
      if (address && typeof address === 'object') port = address.port;
      server = httpServer;
      wss = sockets;
      unsubscribers.push(onEveryEvent(options.events, broadcast));
      log.info(`API listening on ${this.origin}`);
    },
    async stop() {
      for (const off of unsubscribers.splice(0)) off();
      for (const client of wss?.clients ?? []) client.close(1001, 'node stopping');
      wss?.close();
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((done) => s.close(() => done()));
    },
  };
}
