import { describe, expect, it } from 'vitest';
import { MAX_IDLE_SECONDS, parseFromNodeFrame, parseReadingsFrame, parseToNodeFrame } from './port-protocol';

describe('port frames', () => {
  it('accept well-formed frames to the node and nothing else', () => {
    expect(parseToNodeFrame({ t: 'call', id: 1, method: 'getStatus', args: [] })).toEqual({
      t: 'call',
      id: 1,
      method: 'getStatus',
      args: [],
    });
    expect(parseToNodeFrame({ t: 'stop' })).toEqual({ t: 'stop' });
    for (const bad of [
      null,
      'stop',
      [],
      { t: 'call', id: -1, method: 'getStatus', args: [] },
      { t: 'call', id: 1.5, method: 'getStatus', args: [] },
      { t: 'call', id: 1, method: 7, args: [] },
      { t: 'call', id: 1, method: 'getStatus', args: {} },
      { t: 'exec', command: 'rm -rf /' },
    ]) {
      expect(parseToNodeFrame(bad)).toBeNull();
    }
  });

  it('accept well-formed frames from the node, with known error codes and events only', () => {
    expect(parseFromNodeFrame({ t: 'ready', nodeId: 'a', nodeIdShort: 'b' })?.t).toBe('ready');
    expect(parseFromNodeFrame({ t: 'reply', id: 3, reply: { ok: true, value: { x: 1 } } })).toEqual({
      t: 'reply',
      id: 3,
      reply: { ok: true, value: { x: 1 } },
    });
    const failed = { t: 'failed', error: { code: 'DATA_DIR_LOCKED', message: 'locked' } };
    expect(parseFromNodeFrame(failed)).toEqual(failed);
    expect(parseFromNodeFrame({ t: 'event', message: { event: 'log', payload: {} } })?.t).toBe('event');
    expect(parseFromNodeFrame({ t: 'stopped' })).toEqual({ t: 'stopped' });
    for (const bad of [
      { t: 'ready', nodeId: 1 },
      { t: 'failed', error: { code: 'NOT_A_CODE', message: 'x' } },
      { t: 'reply', id: 'x', reply: { ok: true, value: 1 } },
      { t: 'reply', id: 1, reply: { ok: false, error: 'boom' } },
      { t: 'reply', id: 1, reply: { ok: true } },
      { t: 'event', message: { event: 'secrets', payload: {} } },
      { t: 'event', message: { event: 'log' } },
      { t: 'unknown' },
    ]) {
      expect(parseFromNodeFrame(bad)).toBeNull();
    }
  });

  it('accept readings frames with a sane idle time and boolean flags, each optional or null; drop the rest whole', () => {
    const full = { t: 'readings', idleSeconds: 600, onBattery: true, fullScreen: false };
    expect(parseReadingsFrame(full)).toEqual(full);
    expect(parseReadingsFrame({ t: 'readings', idleSeconds: 0.5 })).toEqual({ t: 'readings', idleSeconds: 0.5 });
    expect(parseReadingsFrame({ t: 'readings', idleSeconds: null, onBattery: null })).toEqual({
      t: 'readings',
      idleSeconds: null,
      onBattery: null,
    });
    expect(parseReadingsFrame({ t: 'readings' })).toEqual({ t: 'readings' });
    expect(parseReadingsFrame({ t: 'readings', idleSeconds: MAX_IDLE_SECONDS })).not.toBeNull();
    for (const bad of [
      null,
      'readings',
      { t: 'reading', idleSeconds: 1 },
      { t: 'readings', idleSeconds: -1 },
      { t: 'readings', idleSeconds: Number.NaN },
      { t: 'readings', idleSeconds: Number.POSITIVE_INFINITY },
      { t: 'readings', idleSeconds: MAX_IDLE_SECONDS + 1 },
      { t: 'readings', idleSeconds: '600' },
      { t: 'readings', onBattery: 'yes' },
      { t: 'readings', onBattery: 1 },
      { t: 'readings', fullScreen: {} },
      { t: 'readings', idleSeconds: 5, temperature: 90 },
    ]) {
      expect(parseReadingsFrame(bad)).toBeNull();
    }
    // Readings are not API calls: the call parser does not take them.
    expect(parseToNodeFrame(full)).toBeNull();
  });
});
