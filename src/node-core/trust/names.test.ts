import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors';
import { formatHostPort } from '../../shared/network';
import { certify, useNodes } from '../testing/nodes';
import { NAME_LIMITS, NameRateLimiter, checkNameQuota } from './name-policy';

const start = useNodes();

describe('name limits (pure policy)', () => {
  it(`a node holds at most ${NAME_LIMITS.perNode} names; renewing one it holds is always allowed`, () => {
    for (let held = 0; held < NAME_LIMITS.perNode; held++) expect(() => checkNameQuota(held, false)).not.toThrow();
    expect(() => checkNameQuota(NAME_LIMITS.perNode, false)).toThrow(
      expect.objectContaining({ code: ErrorCode.NameLimit }),
    );
    expect(() => checkNameQuota(NAME_LIMITS.perNode, true)).not.toThrow();
  });

  it('the rate limit counts per node, in a sliding window, and says when to retry', () => {
    const limiter = new NameRateLimiter(3, 60_000);
    for (const at of [0, 10, 20]) limiter.take('a', at);
    limiter.take('b', 20); // another node has its own window
    expect(() => limiter.take('a', 30)).toThrow(expect.objectContaining({ code: ErrorCode.NameRateLimited }));
    expect(() => limiter.take('a', 30)).toThrow(/try again in 60 s/);
    limiter.take('a', 60_001); // the first registration left the window
    expect(() => limiter.take('a', 60_002)).toThrow(/registered 3 names/);
  });
});

describe('name limits at the CA', () => {
  it('refuses a name over the per-node limit and over the rate limit, with stable codes; release frees a slot', async () => {
    const ca = await start({ authority: { name: 'Names CA' } });
    const node = await start();
    await certify(node, formatHostPort(ca.transport!.address));
    const names = Array.from({ length: NAME_LIMITS.perNode }, (_, i) => `box-${i}`);
    for (const name of names) expect((await node.api.registerName(name)).nodeId).toBe(node.identity.nodeId);
    // One more is refused; renewing one it holds is not.
    await expect(node.api.registerName('one-too-many')).rejects.toMatchObject({
      code: ErrorCode.NameLimit,
      message: expect.stringMatching(/already holds 5 names.*release one/) as unknown,
    });
    await expect(node.api.resolveName('one-too-many')).rejects.toThrow(/not registered/);
    expect((await node.api.registerName('box-0')).nodeId).toBe(node.identity.nodeId);
    // Released: the name is gone, and the slot is free for another.
    expect(await node.api.releaseName('box-1')).toEqual({ released: 'box-1' });
    await expect(node.api.resolveName('box-1')).rejects.toThrow(/not registered/);
    await expect(node.api.releaseName('box-1')).rejects.toThrow(/does not hold the name "box-1"/);
    expect((await node.api.registerName('new-box')).nodeId).toBe(node.identity.nodeId);
    // Registrations so far: 5 + the refused one + a renewal + 1 = 8 of the 10 an hour allows.
    await node.api.releaseName('new-box');
    await node.api.registerName('new-box-2');
    await node.api.releaseName('new-box-2');
    await node.api.registerName('new-box-3');
    await node.api.releaseName('new-box-3');
    await expect(node.api.registerName('new-box-4')).rejects.toMatchObject({
      code: ErrorCode.NameRateLimited,
      message: expect.stringMatching(/registered 10 names in the last 60 minutes.*try again in \d+ s/) as unknown,
    });
    // Another node is not held to this one's limits.
    const other = await start();
    await certify(other, formatHostPort(ca.transport!.address));
    expect((await other.api.registerName('other-box')).nodeId).toBe(other.identity.nodeId);
  });
});
