import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI = resolve('out/node/cli.js');

export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'hypermesh-e2e-'));
}

/** The settings patch that marks the first-run guide as done (the fixtures apply it; the guide's own spec not). */
export const ONBOARDING_DONE = { app: { onboardingCompletedAt: '2026-12-01T00:00:00.000Z' } } as const;

/** A reply envelope of the node API. */
export type NodeReply<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** Every node process still running; killed when this test process exits, however a test ended. */
const live = new Set<ChildProcessWithoutNullStreams>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * A real headless node (the built `hypermesh node`, or another command that runs one, such as `hypermesh trust
 * serve`) on random loopback ports with its own data directory.
 */
export class NodeProcess {
  url = '';
  origin = '';
  token = '';
  stderr = '';
  private child?: ChildProcessWithoutNullStreams;
  private exit?: Promise<number | null>;

  private started = false;

  /** `showOnboarding`: keep the first-run guide for the page to show (only e2e/onboarding.spec.ts wants it). */
  constructor(
    readonly dataDir: string,
    private readonly options: { readonly showOnboarding?: boolean } = {},
  ) {}

  /**
   * Starts the node and waits until it prints its URL. `command` is the CLI command that runs it: `['node']` by
   * default, `['trust', 'serve']` for a node that runs a TrustChain CA.
   */
  async start(extraArgs: string[] = [], command: readonly string[] = ['node']): Promise<void> {
    const child = spawn(
      process.execPath,
      [CLI, ...command, '--data-dir', this.dataDir, '--api-port', '0', '--listen', '[::1]:0', ...extraArgs],
      { stdio: 'pipe' },
    );
    this.child = child;
    live.add(child);
    this.exit = new Promise((res) =>
      child.once('exit', (code) => {
        live.delete(child);
        res(code);
      }),
    );
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    const url = await new Promise<string>((res, rej) => {
      let out = '';
      const timer = setTimeout(() => {
        // A node that never got ready must not outlive the test (it would keep a CPU busy for the rest of the run).
        child.kill('SIGKILL');
        rej(new Error(`node did not get ready:\n${this.stderr}`));
      }, 90_000); // far above a start's seconds on a busy machine (a CA makes post-quantum keys)
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /HyperMesh node ready: (\S+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          res(m[1]);
        }
      });
      void this.exit?.then((code) => rej(new Error(`node exited with ${code}:\n${this.stderr}`)));
    });
    this.url = url;
    const parsed = new URL(url);
    this.origin = parsed.origin;
    this.token = /token=([^&]+)/.exec(parsed.hash)?.[1] ?? '';
    // The one place the specs get past the first-run guide: at a node's first start, before any page opens.
    if (!this.options.showOnboarding && !this.started) await this.call('updateSettings', [ONBOARDING_DONE]);
    this.started = true;
  }

  /** SIGINT, as Ctrl-C would (SIGKILL if it has not exited 15 s later); resolves with the exit code. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      return (await this.exit) ?? null;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Where the node's STOQ transport listens, as peers (and `trust.caAddress`) write it: `[::1]:PORT`. */
  async stoqAddress(): Promise<string> {
    const stats = await this.call<{ listening: { host: string; port: number } | null }>('getNetworkStats');
    if (!stats.listening) throw new Error('the node does not listen for peers');
    const { host, port } = stats.listening;
    return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  }

  /** Like {@link call}, but resolves with the node's reply as sent: the value, or the error with its stable code. */
  async ask<T>(method: string, args: unknown[] = []): Promise<NodeReply<T>> {
    const res = await fetch(`${this.origin}/api/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method, args }),
    });
    return (await res.json()) as NodeReply<T>;
  }

  async call<T>(method: string, args: unknown[] = []): Promise<T> {
    const res = await fetch(`${this.origin}/api/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method, args }),
    });
    const reply = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
    if (!reply.ok) throw new Error(reply.error?.message ?? 'call failed');
    return reply.value as T;
  }
}
