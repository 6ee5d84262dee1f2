import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogBook } from './logging/log-book';
import { createNode } from './node';
import {
  NODE_COMPONENTS,
  SHOWN_PARTS,
  startComponents,
  stopComponents,
  type NodeComponent,
  type NodeComponents,
  type NodeContext,
} from './node-components';
import { fixedHardware } from './testing/fixed-hardware';
import { useTempDirs } from './testing/temp-dir';

const tempDir = useTempDirs();

/** Components that record what ran; `failing` throws from its start after recording it. */
function recorded(names: readonly string[], failing?: string) {
  const calls: string[] = [];
  const components: NodeComponent[] = names.map((name) => ({
    name,
    start: () => {
      calls.push(`start ${name}`);
      if (name === failing) throw new Error(`${name} failed`);
    },
    stop: () => {
      calls.push(`stop ${name}`);
    },
  }));
  return { calls, components };
}

// startComponents reads only the log of the node (for a stop that fails after a failed start).
const node = { log: new LogBook().logger('test') } as NodeContext;

describe('the components list', () => {
  it('declares the documented start order (docs/architecture.md, "Start and stop order")', () => {
    expect(NODE_COMPONENTS.map((c) => c.name)).toEqual([
      'sharing governor',
      'transport',
      'TrustChain',
      'assets',
      'mesh',
      'ledger',
      'memory proxy',
      'Catalog VM',
    ]);
  });

  it('starts in order and stops in reverse', async () => {
    const { calls, components } = recorded(['a', 'b', 'c']);
    const bag: NodeComponents = {};
    await startComponents(bag, node, components);
    await stopComponents(bag, components);
    expect(calls).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });

  it('on a failed start stops those begun, the failed one first, and rethrows its error', async () => {
    const { calls, components } = recorded(['a', 'b', 'c', 'd'], 'c');
    await expect(startComponents({}, node, components)).rejects.toThrow('c failed');
    expect(calls).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });
});

describe('a node whose start fails halfway', () => {
  it('stops the transport it had started: its port is free for the next node', async () => {
    const make = (dataDir: string, port: number, authority?: { name: string }) =>
      createNode(
        { dataDir, listen: { host: '::1', port }, ...(authority ? { authority } : {}) },
        { hardware: fixedHardware(), logBook: new LogBook() },
      );
    // A port the OS chose, free again once its first node stopped.
    const first = make(tempDir(), 0);
    await first.start();
    // A listening node shows each running part (no CA: it runs none), read from its components.
    const shown = SHOWN_PARTS.filter((name) => first[name] !== undefined);
    expect(shown).toEqual(SHOWN_PARTS.filter((name) => name !== 'authority'));
    const port = first.transport!.address.port;
    await first.stop();
    expect(first.transport).toBeUndefined();

    // The CA file is unreadable: TrustChain fails after the transport started on the port.
    const broken = tempDir();
    mkdirSync(join(broken, 'trust'), { recursive: true });
    writeFileSync(join(broken, 'trust', 'ca.json'), '{ not json');
    const failing = make(broken, port, { name: 'Test CA' });
    await expect(failing.start()).rejects.toThrow('is not valid JSON');
    expect(failing.transport).toBeUndefined();

    const next = make(tempDir(), port);
    await next.start();
    expect((await next.api.getNetworkStats()).listening?.port).toBe(port);
    await next.stop();
  });
});
