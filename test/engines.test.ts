import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

interface LockedPackage {
  readonly version?: string;
  readonly engines?: Record<string, string> | readonly string[];
}

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(resolve(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

// `npm ci` warns EBADENGINE for every installed package whose engines exclude the running Node. The project declares
// a range; every locked package must accept all of it (its lowest version checked), or be pinned (README, Engines).
describe('engines', () => {
  it('every package in the lockfile accepts the lowest Node the project declares', () => {
    const lowest = semver.minVersion(pkg.engines.node);
    expect(lowest?.version).toMatch(/^\d+\.\d+\.\d+$/);
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, p]) => {
        const range = Array.isArray(p.engines) ? undefined : (p.engines as Record<string, string> | undefined)?.node;
        if (range === undefined || lowest === null) return [];
        return semver.satisfies(lowest, range) ? [] : [`${path}@${p.version ?? '?'} wants node ${range}`];
      });
    expect(refusing).toEqual([]);
  });
});
