import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ApiReply, EventMessage, NodeStatus } from '../../shared/api/contract';
import { PortInUseError } from '../errors';
import { LogBook } from '../logging/log-book';
import { createNode, type HyperMeshNode } from '../node';
import { fixedHardware } from '../testing/fixed-hardware';
import { useTempDirs } from '../testing/temp-dir';
import { createDispatch } from './dispatch';
import { createApiServer, MAX_BODY_BYTES, type ApiServer } from './http-server';

const tempDir = useTempDirs();
let node: HyperMeshNode;
let server: ApiServer;
let uiDir: string;

function serverFor(n: HyperMeshNode, extra: Partial<Parameters<typeof createApiServer>[0]> = {}) {
  return createApiServer({
    dispatch: createDispatch(n.api, n.log),
    events: n.events,
    log: n.log,
    port: 0,
    uiDir,
    ...extra,
  });
}

beforeEach(async () => {
  node = createNode({ dataDir: tempDir() }, { hardware: fixedHardware(), logBook: new LogBook() });
  await node.start();
  uiDir = tempDir();
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>HyperMesh</title>');
  mkdirSync(join(uiDir, 'assets'));
  writeFileSync(join(uiDir, 'assets', 'app.js'), 'console.log(1)');
  server = serverFor(node);
  await server.start();
});

afterEach(async () => {
  await server.stop();
  await node.stop();
});

async function call(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.origin}/api/call`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, reply: (await res.json()) as ApiReply<unknown> };
}

/** fetch() may not set Host; node:http lets a test send any Host header. */
function rawGet(path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('API over HTTP', () => {
  it('answers a call with the token', async () => {
    const { status, reply } = await call({ method: 'getStatus', args: [] });
    expect(status).toBe(200);
    expect(reply.ok && (reply.value as NodeStatus).nodeId).toBe(node.identity.nodeId);
  });

  it('gives nothing without the right token', async () => {
    for (const authorization of ['', 'Bearer nope', `Basic ${server.token}`]) {
      const { status, reply } = await call({ method: 'getStatus', args: [] }, { authorization });
      expect(status).toBe(401);
      expect(reply).toEqual({ ok: false, error: { code: 'UNAUTHORIZED', message: expect.any(String) as string } });
    }
  });

  it('refuses other origins and foreign Host headers', async () => {
    const cross = await call({ method: 'getStatus', args: [] }, { origin: 'http://evil.example' });
    expect(cross.status).toBe(403);
    const own = await call({ method: 'getStatus', args: [] }, { origin: server.origin });
    expect(own.status).toBe(200);
    expect(await rawGet('/', `evil.example:${server.port}`)).toBe(403);
    expect(await rawGet('/', `localhost:${server.port}`)).toBe(200);
  });

  it('returns clear errors for bad requests and keeps serving', async () => {
    expect((await call('{"method":')).status).toBe(400);
    expect((await call({ method: 'getStatus' }, { 'content-type': 'text/plain' })).status).toBe(415);
    const big = await call({ method: 'getStatus', args: ['x'.repeat(MAX_BODY_BYTES)] });
    expect(big.status).toBe(413);
    const unknown = await call({ method: 'formatDisk', args: [] });
    expect(unknown.reply).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    const invalid = await call({ method: 'updateSettings', args: [{ allocation: { cpu: 120 } }] });
    expect(invalid.reply).toEqual({
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        message: 'allocation.cpu must be an integer 0–100, got 120',
        details: { issues: [{ path: 'allocation.cpu', message: 'allocation.cpu must be an integer 0–100, got 120' }] },
      },
    });
    expect((await call({ method: 'getSettings', args: [] })).reply).toMatchObject({ ok: true });
  });

  it('pushes events over a WebSocket that needs the token', async () => {
    const wsUrl = `${server.origin.replace('http', 'ws')}/api/events`;
    const refused = new WebSocket(`${wsUrl}?token=wrong`);
    const refusal = await new Promise<string>((resolve) => {
      refused.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      refused.on('error', () => resolve('error'));
    });
    expect(refusal).toBe('401');

    const ws = new WebSocket(`${wsUrl}?token=${server.token}`);
    await new Promise((resolve) => ws.once('open', resolve));
    const received = new Promise<EventMessage>((resolve) =>
      ws.on('message', (data: Buffer) => {
        const msg = JSON.parse(data.toString()) as EventMessage;
        if (msg.event === 'settingsChanged') resolve(msg);
      }),
    );
    await call({ method: 'updateSettings', args: [{ allocation: { gpu: 30 } }] });
    expect(((await received).payload as { allocation: { gpu: number } }).allocation.gpu).toBe(30);
    ws.close();
  });
});

describe('hostile WebSocket clients', () => {
  it('an oversized frame or a reset upgrade closes that socket, not the node', async () => {
    const ws = new WebSocket(`${server.origin.replace('http', 'ws')}/api/events?token=${server.token}`);
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    ws.send(Buffer.alloc(200 * 1024));
    expect(await closed).toBeGreaterThan(1000);

    const { connect } = await import('node:net');
    const raw = connect({ host: '127.0.0.1', port: server.port });
    await new Promise((resolve) => raw.once('connect', resolve));
    raw.write(
      `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
    );
    raw.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await call({ method: 'getSettings', args: [] })).reply).toMatchObject({ ok: true });
  });
});

describe('serving the UI', () => {
  it('serves files with a strict CSP, falls back to the app, and stays inside its folder', async () => {
    const index = await fetch(`${server.origin}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await fetch(`${server.origin}/assets/app.js`)).headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${server.origin}/sharing`)).status).toBe(200);
    expect((await fetch(`${server.origin}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${server.origin}/..%2f..%2fetc%2fpasswd`)).status).toBe(404);
    expect(await rawGet('/../../../../etc/passwd', `127.0.0.1:${server.port}`)).not.toBe(500);
  });
});

describe('a request with very many problems (issue #22, 8)', () => {
  it('lists the first 20 and counts the rest, so the reply stays small', async () => {
    const patch: Record<string, number> = {};
    for (let i = 0; i < 100_000; i++) patch[`unknownKey${i}`] = i;
    const body = JSON.stringify({ method: 'updateSettings', args: [patch] });
    const res = await fetch(`${server.origin}/api/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body,
    });
    const text = await res.text();
    expect(text.length).toBeLessThan(body.length / 50);
    const reply = JSON.parse(text) as ApiReply<unknown>;
    expect(reply).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', details: { omitted: 99_980 } },
    });
    if (reply.ok) return;
    expect(reply.error.details?.issues).toHaveLength(20);
    expect(reply.error.message).toMatch(/unknownKey0 is not a known setting.*; and 99980 more$/);
    const long = await call({ method: 'updateSettings', args: [{ ['k'.repeat(100_000)]: 1 }] });
    expect(JSON.stringify(long.reply).length).toBeLessThan(2000);
  });
});

describe('paths that do not decode (issue #22, 7)', () => {
  it('answers bad percent-encoding with 400 and NUL with 404, never 500', async () => {
    const host = `127.0.0.1:${server.port}`;
    expect(await rawGet('/%E0%A4%A', host)).toBe(400);
    expect(await rawGet('/%ZZ', host)).toBe(400);
    expect(await rawGet('/a%00b.js', host)).toBe(404);
    expect(await rawGet('/index.html%00', host)).toBe(404);
    expect(await rawGet('/assets%00/app.js', host)).toBe(404);
    expect((await fetch(`${server.origin}/assets/app.js`)).status).toBe(200);
  });
});

describe('binding', () => {
  it('refuses a non-loopback address unless asked explicitly', () => {
    expect(() => serverFor(node, { host: '0.0.0.0' })).toThrow(/not a loopback address/);
    expect(() => serverFor(node, { host: '0.0.0.0', allowRemote: true })).not.toThrow();
  });

  it('reports a port in use clearly', async () => {
    const second = serverFor(node, { port: server.port });
    await expect(second.start()).rejects.toThrow(PortInUseError);
    await expect(second.start()).rejects.toThrow(`port ${server.port} on 127.0.0.1 is already in use`);
  });

  it('listens on IPv6 loopback too', async () => {
    const v6 = serverFor(node, { host: '::1' });
    await v6.start();
    expect(v6.url).toMatch(/^http:\/\/\[::1\]:\d+\/#token=/);
    const res = await fetch(`${v6.origin}/api/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${v6.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'getSettings', args: [] }),
    });
    expect(res.status).toBe(200);
    await v6.stop();
  });
});
