import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RESOURCE_KINDS } from '../../shared/settings';
import { base32 } from '../identity/base32';
import { assetIdFor, canonicalDescriptor, formatAssetId, isAssetId, isNodeId, parseAssetId } from './asset-id';
import { InvalidAssetIdError, type AssetIdProblem } from './errors';

const nodeId = (seed: string) => base32(createHash('sha256').update(seed).digest());
const OWNER = nodeId('owner');
const SAMPLE = assetIdFor('memory', OWNER, { resource: 'ram', totalBytes: 34359738368 });

function problem(text: string): AssetIdProblem | 'parsed' {
  try {
    parseAssetId(text);
    return 'parsed';
  } catch (err) {
    if (err instanceof InvalidAssetIdError) return err.problem;
    throw err;
  }
}

describe('AssetId', () => {
  it('is printable: hma1-kind-owner-hash-check, lowercase and URL-safe', () => {
    expect(SAMPLE).toMatch(/^hma1-memory-[a-z2-7]{52}-[a-z2-7]{32}-[a-z2-7]{6}$/);
    expect(encodeURIComponent(SAMPLE)).toBe(SAMPLE);
    expect(SAMPLE.split('-')[2]).toBe(OWNER);
    expect(isNodeId(OWNER)).toBe(true);
  });

  it('round-trips for every kind', () => {
    for (const kind of RESOURCE_KINDS) {
      const id = assetIdFor(kind, OWNER, { n: 1 });
      const parts = parseAssetId(id);
      expect(parts).toMatchObject({ version: 1, kind, owner: OWNER });
      expect(formatAssetId(parts)).toBe(id);
    }
  });

  it('depends on kind, owner and descriptor, not on key order', () => {
    const a = assetIdFor('cpu', OWNER, { model: 'X', logicalCores: 8, nested: { b: 1, a: [1, 'two', null] } });
    expect(assetIdFor('cpu', OWNER, { nested: { a: [1, 'two', null], b: 1 }, logicalCores: 8, model: 'X' })).toBe(a);
    expect(assetIdFor('cpu', OWNER, { model: 'X', logicalCores: 16, nested: { b: 1, a: [1, 'two', null] } })).not.toBe(
      a,
    );
    expect(
      assetIdFor('cpu', nodeId('other'), { model: 'X', logicalCores: 8, nested: { b: 1, a: [1, 'two', null] } }),
    ).not.toBe(a);
    expect(parseAssetId(assetIdFor('gpu', OWNER, {})).descriptorHash).not.toBe(
      parseAssetId(assetIdFor('cpu', OWNER, {})).descriptorHash,
    );
    expect(canonicalDescriptor({ b: -0, a: 'x' })).toBe('{"a":"x","b":0}');
    expect(() => canonicalDescriptor({ x: Number.NaN })).toThrow(InvalidAssetIdError);
  });

  it('detects every single-character substitution', () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_.ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    let tried = 0;
    for (let i = 0; i < SAMPLE.length; i++) {
      for (const c of alphabet) {
        if (c === SAMPLE[i]) continue;
        const typo = SAMPLE.slice(0, i) + c + SAMPLE.slice(i + 1);
        if (typo.toLowerCase() === SAMPLE && typo === typo.toUpperCase()) continue; // not a typo
        expect([typo, problem(typo)]).not.toEqual([typo, 'parsed']);
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(SAMPLE.length * 60);
  });

  it('detects swaps of neighbouring characters', () => {
    for (let i = 0; i + 1 < SAMPLE.length; i++) {
      if (SAMPLE[i] === SAMPLE[i + 1]) continue;
      const typo = SAMPLE.slice(0, i) + SAMPLE[i + 1] + SAMPLE[i] + SAMPLE.slice(i + 2);
      expect([typo, problem(typo)]).not.toEqual([typo, 'parsed']);
    }
  });

  it('reports a typo in the body as a checksum mismatch', () => {
    const i = 20;
    const typo = SAMPLE.slice(0, i) + (SAMPLE[i] === 'a' ? 'b' : 'a') + SAMPLE.slice(i + 1);
    expect(() => parseAssetId(typo)).toThrow(/checksum does not match/);
    expect(problem(typo)).toBe('checksum');
  });

  it('rejects a wrong version, kind, length or format with a clear reason', () => {
    const [, kind = '', owner = '', hash = '', check = ''] = SAMPLE.split('-');
    expect(problem(`hma2-${kind}-${owner}-${hash}-${check}`)).toBe('version');
    expect(() => parseAssetId(`hma2-${kind}-${owner}-${hash}-${check}`)).toThrow(/version 2 is not supported/);
    expect(problem(`hmx1-${kind}-${owner}-${hash}-${check}`)).toBe('format');
    expect(problem(`hma1-disk-${owner}-${hash}-${check}`)).toBe('kind');
    expect(() => parseAssetId(`hma1-disk-${owner}-${hash}-${check}`)).toThrow(/unknown asset kind "disk"/);
    expect(problem(`hma1-${kind}-${owner.slice(1)}-${hash}-${check}`)).toBe('owner');
    expect(problem(`hma1-${kind}-${owner}a-${hash}-${check}`)).toBe('owner');
    expect(problem(`hma1-${kind}-${owner}-${hash.slice(1)}-${check}`)).toBe('hash');
    expect(problem(`hma1-${kind}-${owner}-${hash}-${check.slice(1)}`)).toBe('checksum');
    expect(problem(`hma1-${kind}-${owner}-${hash}`)).toBe('format');
    expect(problem(`${SAMPLE}-x`)).toBe('format');
    expect(problem('')).toBe('format');
    expect(problem(` ${SAMPLE}`)).toBe('format');
    expect(problem(SAMPLE.replace('memory', 'MEMORY'))).toBe('case');
    expect(problem(SAMPLE.replace('memory', 'cpu'))).toBe('checksum');
    expect(isAssetId(SAMPLE)).toBe(true);
    expect(isAssetId('hello')).toBe(false);
  });

  it('accepts an id written all in upper case', () => {
    expect(parseAssetId(SAMPLE.toUpperCase())).toEqual(parseAssetId(SAMPLE));
  });

  it('refuses an owner that is not a canonical NodeId', () => {
    const bad = OWNER.slice(0, 51) + 'b'; // padding bits set
    expect(isNodeId(bad)).toBe(false);
    expect(() => assetIdFor('cpu', bad, {})).toThrow(InvalidAssetIdError);
    expect(() => assetIdFor('cpu', 'short', {})).toThrow(/NodeId/);
    expect(() => formatAssetId({ version: 1, kind: 'cpu', owner: OWNER, descriptorHash: 'x' })).toThrow(/hash/);
  });
});
