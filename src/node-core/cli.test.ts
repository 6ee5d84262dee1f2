import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCliArgs, parseListen } from './cli-args';
import { EXIT } from './cli';
import { DataDirLock } from './config/data-dir';
import { runCliCaptured } from './testing/cli';
import { useTempDirs } from './testing/temp-dir';

const tempDir = useTempDirs();

const run = runCliCaptured;

describe('hypermesh CLI arguments', () => {
  it('shows help and version', async () => {
    expect((await run('--help')).out).toContain('Usage: hypermesh <command>');
    expect((await run()).out).toContain('Usage: hypermesh <command>');
    expect((await run('--version')).out).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects bad flags with exit code 2 and a reason', async () => {
    const cases: [string[], RegExp][] = [
      [['node', '--bogus'], /Unknown option '--bogus'/],
      [['node', '--api-port', '99999'], /--api-port must be a port number 0–65535, got "99999"/],
      [['node', '--api-port', 'abc'], /--api-port must be a port number/],
      [['node', '--listen', 'localhost:9292'], /--listen must be ADDRESS:PORT with an IP address/],
      [['node', '--listen', '[::1]'], /--listen must be ADDRESS:PORT/],
      [['node', '--data-dir', ''], /--data-dir must not be empty/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['settings', 'set', 'allocation.cpu'], /usage: hypermesh settings/],
      [['status', 'extra'], /usage: hypermesh status/],
      [['trust'], /usage: hypermesh trust serve/],
      [['trust', 'serve', '--advertise', 'nope'], /--advertise must be HOST:PORT, got "nope"/],
      [['trust', 'serve', '--name', ''], /--name must be 1–64 printable characters/],
      [['trust', 'revoke', 'xyz'], /the serial must be hexadecimal, got "xyz"/],
      [['cert', 'export'], /usage: hypermesh cert export --out DIR/],
      [['cert', 'frame'], /usage: hypermesh cert show/],
      [['trust', 'federation', 'propose', 'a.json'], /usage: hypermesh trust federation propose/],
      [
        ['trust', 'federation', 'propose', 'a.json', '--threshold', '2', '--out', 'p.json'],
        /--threshold 2 is more than/,
      ],
      [
        ['trust', 'federation', 'propose', 'a.json', '--threshold', '0', '--out', 'p'],
        /--threshold must be a positive/,
      ],
      [['trust', 'federation', 'sign'], /usage: hypermesh trust federation member/],
    ];
    for (const [argv, message] of cases) {
      const { code, err } = await run(...argv);
      expect(code, argv.join(' ')).toBe(EXIT.usage);
      expect(err).toMatch(message);
    }
  });

  it('parses listen addresses, IPv6 first', () => {
    expect(parseListen('[::1]:9292')).toEqual({ host: '::1', port: 9292 });
    expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(() => parseListen('[127.0.0.1]:1')).toThrow();
    expect(parseCliArgs(['node']).listen).toEqual({ host: '::', port: 9292 });
  });

  it('parses the TrustChain commands', () => {
    expect(parseCliArgs(['trust', 'serve', '--name', 'Lab CA', '--advertise', 'ca.example.org:9292'])).toMatchObject({
      command: 'trust-serve',
      caName: 'Lab CA',
      advertise: 'ca.example.org:9292',
    });
    expect(parseCliArgs(['trust', 'revoke', 'ABCD01', '--reason', 'lost laptop'])).toMatchObject({
      command: 'trust-revoke',
      serial: 'abcd01',
      reason: 'lost laptop',
    });
    expect(parseCliArgs(['cert', 'export', '--out', '/tmp/x'])).toMatchObject({
      command: 'cert-export',
      outDir: '/tmp/x',
    });
  });
});

describe('hypermesh job arguments', () => {
  it('parses job run and job list', () => {
    expect(
      parseCliArgs([
        'job',
        'run',
        '--wasm',
        'k.wasm',
        '--input',
        'in.bin',
        '--arg',
        'a',
        '--arg',
        'b c',
        '--redundancy',
        '3',
        '--cpu-seconds',
        '10',
        '--out',
        'out.bin',
      ]),
    ).toMatchObject({
      command: 'job-run',
      outDir: 'out.bin',
      job: {
        kind: 'wasm',
        codeFile: 'k.wasm',
        inputFile: 'in.bin',
        args: ['a', 'b c'],
        redundancy: 3,
        limits: { cpuSeconds: 10 },
      },
    });
    expect(parseCliArgs(['job', 'run', '--js', 'j.js', '--input-proxy', 'fd48:4d00:1:2:3:4:5:6:100:4']).job).toEqual({
      kind: 'js',
      codeFile: 'j.js',
      inputProxy: { address: 'fd48:4d00:1:2:3:4:5:6', offset: 100, length: 4 },
      args: [],
      limits: {},
    });
    expect(parseCliArgs(['job', 'list', '--role', 'provider'])).toMatchObject({
      command: 'job-list',
      role: 'provider',
    });
  });

  it('refuses bad job flags with the reason', () => {
    const bad: [string[], RegExp][] = [
      [['job', 'run'], /exactly one of --wasm FILE, --js FILE and --wgsl FILE/],
      [['job', 'run', '--wasm', 'a', '--js', 'b'], /exactly one of/],
      [['job', 'run', '--wasm', 'a', '--redundancy', '0'], /--redundancy must be a whole number from 1 to 5/],
      [['job', 'run', '--wasm', 'a', '--memory-mib', 'lots'], /--memory-mib must be a whole number/],
      [['job', 'run', '--wasm', 'a', '--input', 'x', '--input-proxy', 'y'], /cannot be used together/],
      [['job', 'run', '--wasm', 'a', '--input-proxy', '10.0.0.1:1:2'], /--input-proxy must be ADDRESS:OFFSET:LENGTH/],
      [['job', 'run', '--wasm', 'a', '--provider', 'bob'], /--provider must be a NodeId/],
      [['job', 'list', '--role', 'boss'], /--role must be consumer or provider/],
      [['job', 'explode'], /usage: hypermesh job run/],
    ];
    for (const [argv, message] of bad) expect(() => parseCliArgs(argv), argv.join(' ')).toThrow(message);
  });

  it('says a job file cannot be read, before any node is asked', async () => {
    const dir = tempDir();
    const r = await run('job', 'run', '--wasm', join(dir, 'missing.wasm'), '--data-dir', dir);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/cannot read .*missing\.wasm: ENOENT/);
  });
});

describe('hypermesh cert without a certificate', () => {
  it('says so, and exports nothing', async () => {
    const dir = tempDir();
    const show = await run('cert', 'show', '--data-dir', dir);
    expect(show.code).toBe(EXIT.failure);
    expect(show.err).toMatch(/no TrustChain certificate yet/);
    const exported = await run('cert', 'export', '--out', join(dir, 'out'), '--data-dir', dir);
    expect(exported.code).toBe(EXIT.failure);
    expect(exported.err).toMatch(/no TrustChain certificate yet/);
  });
});

describe('hypermesh settings and status without a running node', () => {
  it('sets and gets settings in the data directory', async () => {
    const dir = tempDir();
    expect(await run('settings', 'set', 'allocation.cpu', '25', '--data-dir', dir)).toMatchObject({
      code: 0,
      out: 'allocation.cpu = 25\n',
    });
    expect(await run('settings', 'set', 'privacyLevel', 'P2P', '--data-dir', dir)).toMatchObject({ code: 0 });
    expect((await run('settings', 'get', 'allocation.cpu', '--data-dir', dir)).out).toBe('25\n');
    expect((await run('settings', 'get', 'privacyLevel', '--data-dir', dir)).out).toBe('P2P\n');
    const all = JSON.parse((await run('settings', 'get', '--data-dir', dir)).out) as { allocation: { cpu: number } };
    expect(all.allocation.cpu).toBe(25);
  });

  it('refuses a bad value and keeps the stored one', async () => {
    const dir = tempDir();
    await run('settings', 'set', 'allocation.cpu', '25', '--data-dir', dir);
    const bad = await run('settings', 'set', 'allocation.cpu', '120', '--data-dir', dir);
    expect(bad.code).toBe(EXIT.usage); // typed wrong: a usage error, like a bad flag
    expect(bad.err).toContain('allocation.cpu must be an integer 0–100, got 120 [INVALID_ARGUMENT]');
    const unknown = await run('settings', 'get', 'allocation.disk', '--data-dir', dir);
    expect(unknown.err).toContain('allocation.disk is not a known setting');
    expect((await run('settings', 'get', 'allocation.cpu', '--data-dir', dir)).out).toBe('25\n');
  });

  it('says when no node is running', async () => {
    const { code, err } = await run('status', '--data-dir', tempDir());
    expect(code).toBe(EXIT.notRunning);
    expect(err).toContain('not running');
  });
});

describe('hypermesh node start-up failures', () => {
  it('explains a port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const { code, err } = await run('node', '--data-dir', tempDir(), '--api-port', String(port));
    blocker.close();
    expect(code).toBe(EXIT.failure);
    expect(err).toContain(`port ${port} on 127.0.0.1 is already in use`);
  });

  it('explains an unwritable data directory', async () => {
    const file = join(tempDir(), 'file');
    writeFileSync(file, '');
    const { code, err } = await run('node', '--data-dir', join(file, 'data'), '--api-port', '0');
    expect(code).toBe(EXIT.failure);
    expect(err).toContain('cannot write to data directory');
  });

  it('refuses a second node on the same data directory', async () => {
    const dir = tempDir();
    const lock = DataDirLock.acquire(dir);
    const { code, err } = await run('node', '--data-dir', dir, '--api-port', '0');
    lock.release();
    expect(code).toBe(EXIT.failure);
    expect(err).toContain('is already using');
    expect(err).toContain('[DATA_DIR_LOCKED]');
  });

  it('refuses a public API address without --allow-remote-api', async () => {
    const { code, err } = await run('node', '--data-dir', tempDir(), '--api-host', '0.0.0.0', '--api-port', '0');
    expect(code).toBe(EXIT.usage);
    expect(err).toContain('not a loopback address');
  });
});
