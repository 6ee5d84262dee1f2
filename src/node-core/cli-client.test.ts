import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors';
import { callRunningNode } from './cli-client';
import { writeRuntimeInfo } from './runtime-file';

/** A data dir whose api.json points at `port` on loopback, as a running node writes it. */
function dataDirFor(port: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'hypermesh-cli-client-'));
  const origin = `http://127.0.0.1:${port}`;
  writeRuntimeInfo(dir, { pid: process.pid, origin, url: `${origin}/`, token: 't0ken' });
  dirs.push(dir);
  return dir;
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

const dirs: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the CLI calling the running node', () => {
  it('sends the call with the token and returns the value', async () => {
    let seen: { auth?: string; body?: string } = {};
    const { port } = await listen((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = { ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), body };
        res.end(JSON.stringify({ ok: true, value: { nodeId: 'n1' } }));
      });
    });
    await expect(callRunningNode(dataDirFor(port), 'getStatus', [])).resolves.toEqual({ nodeId: 'n1' });
    expect(seen).toEqual({ auth: 'Bearer t0ken', body: JSON.stringify({ method: 'getStatus', args: [] }) });
  });

  it('says no node runs when api.json is missing, nothing listens, or something else answers', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'hypermesh-cli-client-'));
    dirs.push(empty);
    expect(await callRunningNode(empty, 'getStatus', [])).toBeUndefined();
    const { server, port } = await listen((_req, res) => res.end('<html>not a node</html>'));
    expect(await callRunningNode(dataDirFor(port), 'getStatus', [])).toBeUndefined();
    await new Promise((resolve) => server.close(resolve));
    expect(await callRunningNode(dataDirFor(port), 'getStatus', [])).toBeUndefined();
  });

  it('a node that gives no answer in time, or breaks the connection, is NODE_NO_ANSWER, not "not running"', async () => {
    // The reply never comes: the call's own bound (short here) ends it, and the error says so.
    const silent = await listen(() => undefined);
    await expect(callRunningNode(dataDirFor(silent.port), 'runJob', [] as never, 300)).rejects.toMatchObject({
      code: ErrorCode.NodeNoAnswer,
      reason: 'timeout',
    });
    const breaks = await listen((req) => req.socket.destroy());
    await expect(callRunningNode(dataDirFor(breaks.port), 'getStatus', [])).rejects.toMatchObject({
      code: ErrorCode.NodeNoAnswer,
      reason: 'connection',
    });
  });
});
