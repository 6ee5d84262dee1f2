import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from './cli';
import { runCliCaptured } from './testing/cli';
import { useTempDirs } from './testing/temp-dir';

/**
 * Every command of README's command table against README's exit-code table: each exit status a command is listed
 * under is produced by that command in a situation that calls for it (a usage error, no running node, ...).
 * The job outcomes (4, 5) need peers: test/mesh/job-exit.test.ts runs them through the built CLI.
 */
const tempDir = useTempDirs();
const README = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');

const run = (argv: readonly string[]) => runCliCaptured(...argv);

/** The commands of README's command table: `hypermesh trust federation member|propose|...` counts as four. */
function readmeCommands(): string[] {
  const out: string[] = [];
  for (const line of README.split('\n')) {
    const cell = /^\| `hypermesh ([^`]+)`/.exec(line)?.[1];
    if (!cell) continue;
    if (cell.startsWith('--')) {
      out.push(cell, ...[...line.matchAll(/, `(--[a-z]+)`/g)].map((m) => m[1]!));
      continue;
    }
    const words: string[] = [];
    for (const word of cell.replaceAll('\\|', '|').split(' ')) {
      if (!/^[a-z][a-z|]*$/.test(word)) break;
      words.push(word);
    }
    const last = words.pop()!;
    for (const alt of last.split('|')) out.push([...words, alt].join(' '));
  }
  return out;
}

/** README's exit-code table: each status and the commands it applies to (null: all). */
function readmeExitCodes(): Map<number, string[] | null> {
  const table = new Map<number, string[] | null>();
  for (const line of README.split('\n')) {
    const m = /^\| (\d) +\| .+ \| (.+?) +\|$/.exec(line);
    if (!m) continue;
    const commands = m[2]!.trim() === 'all' ? null : [...m[2]!.matchAll(/`([^`]+)`/g)].map((c) => c[1]!);
    table.set(Number(m[1]), commands);
  }
  return table;
}

interface Scenario {
  /** Arguments with a mistake the user typed (a usage error). */
  readonly usage: readonly string[];
  /** Arguments that need a running node (the data folder has none). */
  readonly notRunning?: (dir: string) => readonly string[];
}

const file = (dir: string, name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const SCENARIOS: Readonly<Record<string, Scenario>> = {
  node: { usage: ['node', '--api-port', '99999'] },
  status: { usage: ['status', 'extra'], notRunning: (d) => ['status', '--data-dir', d] },
  'settings get': { usage: ['settings', 'get', 'allocation.disk'] },
  'settings set': { usage: ['settings', 'set', 'allocation.cpu', '120'] },
  'trust serve': { usage: ['trust', 'serve', '--name', ''] },
  'trust revoke': {
    usage: ['trust', 'revoke', 'xyz'],
    notRunning: (d) => ['trust', 'revoke', 'ab01', '--data-dir', d],
  },
  'trust federation member': {
    usage: ['trust', 'federation', 'member', 'extra.json'],
    notRunning: (d) => ['trust', 'federation', 'member', '--data-dir', d],
  },
  'trust federation propose': { usage: ['trust', 'federation', 'propose', 'a.json'] },
  'trust federation sign': {
    usage: ['trust', 'federation', 'sign'],
    notRunning: (d) => ['trust', 'federation', 'sign', file(d, 'f.json', '{}'), '--data-dir', d],
  },
  'trust federation adopt': {
    usage: ['trust', 'federation', 'adopt'],
    notRunning: (d) => ['trust', 'federation', 'adopt', file(d, 'f.json', '{}'), '--data-dir', d],
  },
  'cert show': { usage: ['cert', 'show', 'extra'] },
  'cert export': { usage: ['cert', 'export'] },
  'job run': {
    usage: ['job', 'run', '--wasm', 'a.wasm', '--cpu-seconds', '0'],
    notRunning: (d) => ['job', 'run', '--js', file(d, 'j.js', 'print(1)'), '--data-dir', d],
  },
  pause: { usage: ['pause', '--for', 'soon'] },
  resume: { usage: ['resume', 'extra'] },
  'job list': { usage: ['job', 'list', '--role', 'boss'], notRunning: (d) => ['job', 'list', '--data-dir', d] },
  'db backups': { usage: ['db', 'backups', 'extra'] },
  'db restore': { usage: ['db', 'restore', '--latest', '--from', 'a.db'] },
  '--help': { usage: ['--help', '--bogus'] },
  '--version': { usage: ['--version', '--bogus'] },
};

describe("every command against README's exit-code table", () => {
  it('the table lists exactly the exit statuses the CLI has, and every command has a scenario', () => {
    const table = readmeExitCodes();
    expect([...table.keys()].sort()).toEqual(Object.values(EXIT).sort());
    const commands = readmeCommands();
    expect(commands).toContain('trust federation adopt');
    expect(commands).toContain('job run');
    expect(commands.sort()).toEqual(Object.keys(SCENARIOS).sort());
    for (const [, listed] of table) for (const c of listed ?? []) expect(commands, c).toContain(c);
  });

  it(`a mistake the user typed exits ${EXIT.usage}, naming what is wrong`, async () => {
    expect(readmeExitCodes().get(EXIT.usage)).toBeNull(); // all commands
    for (const [command, scenario] of Object.entries(SCENARIOS)) {
      const argv = command.startsWith('settings') ? [...scenario.usage, '--data-dir', tempDir()] : scenario.usage;
      const { code, err } = await run(argv);
      expect(code, `${command}: ${err}`).toBe(EXIT.usage);
      expect(err.length, command).toBeGreaterThan(10);
    }
  });

  it('a bad setting value names the field and what it allows, and nothing is stored', async () => {
    const dir = tempDir();
    const cases: [string, string, RegExp][] = [
      ['allocation.cpu', '120', /allocation\.cpu must be an integer 0–100, got 120 \[INVALID_ARGUMENT\]/],
      [
        'privacyLevel',
        'Everyone',
        /privacyLevel must be one of Private, PrivateNetwork, P2P, PublicNetwork, FullPublic/,
      ],
      ['proxy.maxProviders', '99', /proxy\.maxProviders .*1–16/],
      ['network.tier', '5G', /network\.tier must be one of/],
      ['allocation.disk', '5', /allocation\.disk/],
    ];
    for (const [path, value, message] of cases) {
      const { code, err } = await run(['settings', 'set', path, value, '--data-dir', dir]);
      expect(code, `${path} ${value}`).toBe(EXIT.usage);
      expect(err).toMatch(message);
    }
    expect((await run(['settings', 'get', 'allocation.cpu', '--data-dir', dir])).out).toBe('0\n');
  });

  it(`a command that needs a running node exits ${EXIT.notRunning} when there is none`, async () => {
    const listed = readmeExitCodes().get(EXIT.notRunning) ?? [];
    expect(listed.length).toBeGreaterThan(0);
    for (const command of listed) {
      const scenario = SCENARIOS[command];
      expect(scenario?.notRunning, `${command} has a not-running scenario`).toBeDefined();
      const { code, err } = await run(scenario!.notRunning!(tempDir()));
      expect(code, `${command}: ${err}`).toBe(EXIT.notRunning);
      expect(err).toMatch(/not running|no CA node is running/);
    }
  });

  it(`success is ${EXIT.ok} and a failure with a stable code is ${EXIT.failure}`, async () => {
    expect(await run(['--help'])).toMatchObject({ code: EXIT.ok });
    expect(await run(['--version'])).toMatchObject({ code: EXIT.ok });
    const dir = tempDir();
    expect((await run(['cert', 'show', '--data-dir', dir])).code).toBe(EXIT.failure);
  });
});
