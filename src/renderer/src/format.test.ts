import { describe, expect, it } from 'vitest';
import { formatRelative, shortNodeId } from './format';
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

  it('reads the HyperMesh name of an http3:// address', () => {
    expect(nameFromUrl(' http3://Trust/path ')).toBe('trust');
    expect(nameFromUrl('https://trust')).toBeNull();
    expect(pageFromInternalUrl('http3://trust')).toBe('certificates');
    expect(pageFromInternalUrl('http3://activity')).toBe('activity');
    expect(pageFromInternalUrl('http3://nowhere')).toBeNull();
  });
});
