import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeEvents } from '../shared/api/contract';
import type { WalletView } from '../shared/ledger';
import type { Notice } from '../shared/notifications';
import { DEFAULT_SETTINGS, type Settings } from '../shared/settings';
import type { ResourceShareView, SharingView } from '../shared/sharing-view';
import type { TrustStatus } from '../shared/trust';
import type { JobView } from '../shared/vm';
import { TypedEvents } from './events';
import { FIRST_EARNINGS_KEY, NoticeWatcher } from './notices';
import { MetaRepository, closeDatabase, openDatabase, type Db } from './store/index';
import { useTempDirs } from './testing/temp-dir';

const tempDir = useTempDirs();
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function wallet(earnedTotal: string): WalletView {
  return { earnedTotal } as WalletView;
}

function cpu(configuredPercent: number, allowedPercent: number): ResourceShareView {
  return { kind: 'cpu', present: true, configuredPercent, allowedPercent } as ResourceShareView;
}

function sharing(state: SharingView['state'], over: Partial<SharingView> = {}): SharingView {
  return { state, reasons: [], pausedUntil: null, resources: [cpu(50, 50)], ...over } as SharingView;
}

/** A watcher over a real event hub and a real database; `trust` sets the certificate state it reads. */
function setup(file = join(tempDir(), 'node.db')) {
  const db: Db = openDatabase(file);
  const events = new TypedEvents<NodeEvents>();
  const heard: Notice[] = [];
  events.on('notice', (n) => heard.push(n));
  let settings: Settings = DEFAULT_SETTINGS;
  let trust: TrustStatus['state'] | undefined = 'certified';
  const watcher = new NoticeWatcher({
    events,
    settings: () => settings,
    meta: new MetaRepository(db),
    trustState: () => trust,
  });
  const close = () => {
    watcher.stop();
    closeDatabase(db);
  };
  cleanups.push(close);
  return {
    events,
    watcher,
    heard,
    kinds: () => heard.map((n) => n.kind),
    setSettings: (next: Settings) => (settings = next),
    setTrust: (next: TrustStatus['state'] | undefined) => (trust = next),
    close,
    file,
  };
}

describe('NoticeWatcher', () => {
  it('announces the first confirmed reward once, remembered across restarts', () => {
    const first = setup();
    first.events.emit('wallet', wallet('0'));
    expect(first.heard).toEqual([]);
    first.events.emit('wallet', wallet('1.5'));
    first.events.emit('wallet', wallet('3'));
    expect(first.kinds()).toEqual(['first-earnings']);
    expect(first.heard[0]?.body).toContain('1.5');
    first.close();

    const again = setup(first.file);
    again.events.emit('wallet', wallet('4'));
    expect(again.heard).toEqual([]);
  });

  it('announces sharing going from running to paused, with the reason, and not the state it started in', () => {
    const t = setup();
    t.events.emit('sharing', sharing('paused', { reasons: ['paused'] }));
    t.events.emit('sharing', sharing('off', { reasons: ['off'] }));
    t.events.emit('sharing', sharing('paused', { reasons: ['paused'] }));
    expect(t.heard).toEqual([]);
    t.events.emit('sharing', sharing('active'));
    t.events.emit('sharing', sharing('paused', { reasons: ['paused'] }));
    t.events.emit('sharing', sharing('paused', { reasons: ['paused'] }));
    expect(t.kinds()).toEqual(['sharing-paused']);
    expect(t.heard[0]?.body).toContain('paused');
  });

  it('counts a rule holding every shared resource at 0 as paused, and a lower share as not', () => {
    const t = setup();
    t.events.emit('sharing', sharing('active'));
    t.events.emit('sharing', sharing('limited', { reasons: ['in-use'], resources: [cpu(50, 20)] }));
    expect(t.heard).toEqual([]);
    t.events.emit('sharing', sharing('limited', { reasons: ['on-battery'], resources: [cpu(50, 0)] }));
    expect(t.kinds()).toEqual(['sharing-paused']);
    expect(t.heard[0]?.body).toContain('on battery');
  });

  it('sends no kind the settings turn off', () => {
    const t = setup();
    t.setSettings({
      ...DEFAULT_SETTINGS,
      notifications: { ...DEFAULT_SETTINGS.notifications, 'sharing-paused': false },
    });
    t.events.emit('sharing', sharing('active'));
    t.events.emit('sharing', sharing('paused', { reasons: ['paused'] }));
    expect(t.heard).toEqual([]);
  });

  it('tells a certificate problem from a node failure among new health errors, each once', () => {
    const t = setup();
    const status = (health: NodeEvents['status']['health']) => ({ health }) as NodeEvents['status'];
    t.events.emit('status', status([{ code: 'MESH_UNAVAILABLE', severity: 'warning', message: 'mesh' }]));
    expect(t.heard).toEqual([]);
    const split = { code: 'TRUST_SPLIT_VIEW', severity: 'error', message: 'split' } as const;
    const transport = { code: 'TRANSPORT_UNAVAILABLE', severity: 'error', message: 'no port' } as const;
    t.events.emit('status', status([split, transport]));
    t.events.emit('status', status([split, transport]));
    expect(t.kinds()).toEqual(['certificate-problem', 'node-failure']);
  });

  it('announces a certificate revoked or lost, not one staying certified', () => {
    const t = setup();
    t.watcher.checkTrust();
    expect(t.heard).toEqual([]);
    t.setTrust('self-signed');
    t.watcher.checkTrust();
    t.setTrust('revoked');
    t.watcher.checkTrust();
    t.watcher.checkTrust();
    expect(t.kinds()).toEqual(['certificate-problem', 'certificate-problem']);
  });

  it('announces a failed job run here for a peer, not a completed one nor one this node asked for', () => {
    const t = setup();
    const job = (over: Partial<JobView>) =>
      ({ jobId: 'j'.repeat(16), role: 'provider', status: 'failed', consumer: 'c'.repeat(16), ...over }) as JobView;
    t.watcher.jobFinished(job({ status: 'completed' }));
    t.watcher.jobFinished(job({ role: 'consumer' }));
    t.watcher.jobFinished(job({ failure: { reason: 'memory-limit', message: 'out of memory' } }));
    expect(t.kinds()).toEqual(['job-failed']);
    expect(t.heard[0]?.body).toContain('memory-limit');
  });

  it('keeps the first-earnings mark in the meta table', () => {
    const t = setup();
    t.events.emit('wallet', wallet('2'));
    t.close();
    const db = openDatabase(t.file);
    expect(new MetaRepository(db).get(FIRST_EARNINGS_KEY)).toBeDefined();
    closeDatabase(db);
  });
});
