import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, HyperMeshError } from '../../../shared/errors';
import { loadOrCreateIdentity } from '../../identity/identity';
import { LogBook } from '../../logging/log-book';
import { useTempDirs } from '../../testing/temp-dir';
import { StoqCode } from './frames';
import { callJson, handleJson } from './json-call';
import { RpcError, failureText, parseFailureText } from './rpc';
import { createStoqTransport, type Transport } from './transport';

const tempDir = useTempDirs();
const running: Transport[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop()));
});

async function node() {
  const identity = loadOrCreateIdentity(tempDir());
  const transport = createStoqTransport({
    host: '::1',
    port: 0,
    identity,
    log: new LogBook({ minLevel: 'warn' }).logger('stoq'),
  });
  await transport.start();
  running.push(transport);
  return { transport, identity };
}

interface Sum {
  readonly a: number;
  readonly b: number;
}

const isSum = (v: unknown): Sum => {
  const o = v as Partial<Sum> | null;
  if (typeof o !== 'object' || o === null || typeof o.a !== 'number' || typeof o.b !== 'number') {
    throw new HyperMeshError(ErrorCode.InvalidArgument, 'a sum takes numbers a and b', { reason: 'NOT_A_SUM' });
  }
  return { a: o.a, b: o.b };
};

const isTotal = (v: unknown): { total: number } => {
  if (typeof v !== 'object' || v === null || typeof (v as { total?: unknown }).total !== 'number') {
    throw new Error('not a total');
  }
  return v as { total: number };
};

async function failureOf(p: Promise<unknown>): Promise<RpcError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof RpcError)) throw new Error(`expected an RpcError, got ${String(err)}`);
  return err;
}

describe('typed JSON calls over STOQ', () => {
  it('sends and validates JSON both ways, with the same bytes as hand-written JSON', async () => {
    const a = await node();
    const b = await node();
    const bodies: string[] = [];
    b.transport.router.rpc('raw.echo', (body) => {
      bodies.push(Buffer.from(body).toString('utf8'));
      return body;
    });
    handleJson(b.transport.router, 'sum', { validate: isSum }, ({ a: x, b: y }, ctx) => {
      expect(ctx.peer.nodeId).toBe(a.identity.nodeId);
      return { total: x + y };
    });
    const link = await a.transport.dial(b.transport.address, b.identity.nodeId);
    expect(await callJson(link, 'sum', { a: 2, b: 40 }, { validate: isTotal })).toEqual({ total: 42 });
    // What goes on the wire is JSON.stringify of the request.
    const echoed = await callJson(link, 'raw.echo', { x: [1, 'é'] }, { validate: (v) => v });
    expect(echoed).toEqual({ x: [1, 'é'] });
    expect(bodies).toEqual([JSON.stringify({ x: [1, 'é'] })]);
  });

  it("carries a refusal's code and reason as data, and refuses replies that are not JSON or do not fit", async () => {
    const a = await node();
    const b = await node();
    handleJson(b.transport.router, 'sum', { validate: isSum }, ({ a: x, b: y }) => ({ total: x + y }));
    handleJson(b.transport.router, 'refuse', { validate: (v) => v }, () => {
      throw new HyperMeshError(ErrorCode.ProxyRefused, 'REVOKED: the mapping was revoked', { reason: 'REVOKED' });
    });
    b.transport.router.rpc('garbage', () => Buffer.from('{not json'));
    const link = await a.transport.dial(b.transport.address, b.identity.nodeId);

    const refused = await failureOf(callJson(link, 'refuse', {}, { validate: isTotal }));
    expect(refused.remote).toEqual({ code: ErrorCode.ProxyRefused, reason: 'REVOKED' });
    expect(refused.stoqCode).toBe(StoqCode.HandlerError);
    // The text stays readable, without the data appended to it.
    expect(refused.message).toBe('refuse: REVOKED: the mapping was revoked');

    const invalid = await failureOf(callJson(link, 'sum', { a: 'x' }, { validate: isTotal }));
    expect(invalid.remote).toEqual({ code: ErrorCode.InvalidArgument, reason: 'NOT_A_SUM' });

    const notJson = await failureOf(callJson(link, 'garbage', {}, { validate: isTotal }));
    expect(notJson.stoqCode).toBe(StoqCode.ProtocolError);
    expect(notJson.remote).toBeUndefined();

    await expect(callJson(link, 'sum', { a: 1, b: 2 }, { validate: () => isSum(null) })).rejects.toMatchObject({
      reason: 'NOT_A_SUM',
    });
    // An uncoded failure carries no data.
    b.transport.router.rpc('plain', () => {
      throw new Error('plain failure');
    });
    const plain = await failureOf(callJson(link, 'plain', {}, { validate: isTotal }));
    expect(plain.remote).toBeUndefined();
    expect(plain.message).toBe('plain: plain failure');
  });

  it('reads the failure suffix strictly and keeps it within an error frame', () => {
    const err = new HyperMeshError(ErrorCode.OverQuota, 'x'.repeat(5_000), { reason: 'MEMORY' });
    const text = failureText(err);
    expect(text.length).toBeLessThanOrEqual(1000);
    expect(parseFailureText(text).remote).toEqual({ code: ErrorCode.OverQuota, reason: 'MEMORY' });
    expect(parseFailureText('plain')).toEqual({ message: 'plain', remote: undefined });
    expect(parseFailureText('m\u0000{"code":"NO_SUCH_CODE"}').remote).toBeUndefined();
    expect(parseFailureText('m\u0000{"code":"TRANSPORT","reason":"a b"}').remote).toEqual({ code: 'TRANSPORT' });
    expect(parseFailureText('m\u0000not json')).toEqual({ message: 'm', remote: undefined });
    // A NUL inside the message does not hide the data after it.
    expect(parseFailureText('a\u0000b\u0000{"code":"TRANSPORT"}')).toEqual({
      message: 'a\u0000b',
      remote: { code: 'TRANSPORT' },
    });
  });
});
