import { describe, expect, it } from 'vitest';
import { formatKindAmount, formatRelative, shortNodeId } from './format';
import { nameFromUrl, pageFromInternalUrl } from './routes';

describe('renderer formatting', () => {
  it('shortens a NodeId the way the node does', () => {
    expect(shortNodeId('44dpwp536x4ilqfpetc3o4pucdvrycohehggdkm73gsn3groa7ba')).toBe('hm-44dp-wp53');
  });

  it('says how far a time is from now, both ways', () => {
    const now = Date.parse('2026-11-24T22:00:00Z');
    expect(formatRelative('2026-11-25T21:59:00Z', now)).toBe('in 23 h 59 min');
    expect(formatRelative('2026-11-24T21:59:55Z', now)).toBe('5 s ago');
    expect(formatRelative('not a time', now)).toBe('');
  });

  it('says an amount of each kind in its unit, as a receipt trail shows it', () => {
    expect(formatKindAmount('memory', String(256 * 2 ** 20))).toBe('256 MiB of memory');
    expect(formatKindAmount('cpu', '1')).toBe('1 core');
    expect(formatKindAmount('gpu', String(2 ** 30))).toBe('1 GiB of GPU memory');
    expect(formatKindAmount('bandwidth', '100000000')).toBe('100 Mbit/s of bandwidth');
    expect(formatKindAmount('storage', '1e3')).toBe('1e3 (storage)');
  });

  it('reads the HyperMesh name of an http3:// address', () => {
    expect(nameFromUrl(' http3://Trust/path ')).toBe('trust');
    expect(nameFromUrl('https://trust')).toBeNull();
    expect(pageFromInternalUrl('http3://trust')).toBe('certificates');
    expect(pageFromInternalUrl('http3://activity')).toBe('activity');
    expect(pageFromInternalUrl('http3://nowhere')).toBeNull();
  });
});
