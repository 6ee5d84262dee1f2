import { describe, expect, it } from 'vitest';
import { EXIT } from './cli';
import { runCliCaptured } from './testing/cli';
import { useTempDirs } from './testing/temp-dir';

const tempDir = useTempDirs();

const run = runCliCaptured;

describe('hypermesh settings with odd input (issue #22, 9)', () => {
  it('says an inherited property name is not a known setting', async () => {
    const dir = tempDir();
    for (const path of ['constructor', '__proto__', 'toString', 'allocation.constructor', 'rules.hasOwnProperty']) {
      const { code, out, err } = await run('settings', 'get', path, '--data-dir', dir);
      expect(code, path).toBe(EXIT.usage);
      expect(out, path).toBe('');
      expect(err, path).toContain(`${path} is not a known setting`);
    }
    expect(await run('settings', 'get', 'allocation.cpu', '--data-dir', dir)).toMatchObject({ code: 0 });
  });

  it('refuses a value with stray whitespace, as the API does, and keeps the stored one', async () => {
    const dir = tempDir();
    expect((await run('settings', 'set', 'allocation.cpu', '25', '--data-dir', dir)).code).toBe(0);
    for (const value of [' 50', '50 ', '50\n', '\ttrue']) {
      const { code, err } = await run('settings', 'set', 'allocation.cpu', value, '--data-dir', dir);
      expect(code, JSON.stringify(value)).toBe(EXIT.usage);
      expect(err).toContain('allocation.cpu must be an integer 0–100');
    }
    const privacy = await run('settings', 'set', 'privacyLevel', ' P2P', '--data-dir', dir);
    expect(privacy.code).toBe(EXIT.usage);
    expect((await run('settings', 'get', 'allocation.cpu', '--data-dir', dir)).out).toBe('25\n');
  });
});
