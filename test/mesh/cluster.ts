import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI = resolve('out/node/cli.js');

/** Where a node runs when not on ::1 in the test's own network: a network namespace (test/mesh/netns.ts). */
export interface Placement {
  readonly netns: string;
  /** The STOQ listening address (an address of the namespace). */
  readonly host: string;
  /** The API's address, reachable from the test process (served with --allow-remote-api). */
  readonly apiHost: string;
}

/** Every node process still running; killed when the test process exits, however a test ended. */
const live = new Set<ChildProcessWithoutNullStreams>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A real node in its own process (the built `hypermesh` CLI), with its own data directory and ports. */
export class MeshProcess {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'hypermesh-mesh-'));
  origin = '';
  stderr = '';
  private token = '';
  private child: ChildProcessWithoutNullStreams | undefined;
  private exited: Promise<number | null> | undefined;

  constructor(
    readonly name: string,
    /**
     * 0: the OS picks a free port at start, and the node comes back at that port after a restart (no port is chosen
     * before use, where another process could take it). Set to 0 again before a restart to come back elsewhere.
     */
    public stoqPort: number,
    private readonly command: readonly string[] = ['node'],
    readonly placement?: Placement,
  ) {}

  get stoqAddress(): string {
    return `[${this.placement?.host ?? '::1'}]:${this.stoqPort}`;
  }

  async start(): Promise<void> {
    const args = [CLI, ...this.command, '--data-dir', this.dataDir, '--api-port', '0'];
    args.push('--listen', this.stoqAddress, '--no-ui');
    const p = this.placement;
    if (p) args.push('--api-host', p.apiHost, '--allow-remote-api');
    // `ip netns exec` execs the command, so the child is the node itself (signals reach it directly).
    const child = p
      ? spawn('ip', ['netns', 'exec', p.netns, process.execPath, ...args], { stdio: 'pipe' })
      : spawn(process.execPath, args, { stdio: 'pipe' });
    this.child = child;
    live.add(child);
    this.exited = new Promise((res) =>
      child.once('exit', (code) => {
        live.delete(child);
        res(code);
      }),
    );
    child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-20_000)));
    // HM_MESH_LOGS=DIR keeps each node's whole stderr (with DEBUG=libp2p:*, libp2p's log) in DIR/NAME.log.
    const logs = process.env.HM_MESH_LOGS;
    if (logs) child.stderr.pipe(createWriteStream(join(logs, `${this.name}.log`), { flags: 'a' }));
    const url = await new Promise<string>((res, rej) => {
      let out = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL'); // never left running after a failed start
        rej(new Error(`${this.name} did not get ready:\n${this.stderr}`));
      }, 120_000); // a bound far above a start's seconds (a CA makes post-quantum keys), tied to the ready line
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /HyperMesh node ready: (\S+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          res(m[1]);
        }
      });
      void this.exited?.then((code) => rej(new Error(`${this.name} exited with ${code}:\n${this.stderr}`)));
    });
    const parsed = new URL(url);
    this.origin = parsed.origin;
    this.token = /token=([^&]+)/.exec(parsed.hash)?.[1] ?? '';
    if (this.stoqPort === 0) {
      const stats = await this.call<{ listening: { port: number } | null }>('getNetworkStats');
      if (!stats.listening) throw new Error(`${this.name} is not listening on STOQ`);
      this.stoqPort = stats.listening.port;
    }
  }

  /** SIGKILL: no shutdown, as a crash or a pulled plug. */
  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGINT, as Ctrl-C would; SIGKILL if it has not exited 15 s later. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  removeData(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  async call<T>(method: string, ...args: unknown[]): Promise<T> {
    const body = JSON.stringify({ method, args });
    // A connection of its own for each call: a kept-alive socket that the node closed while this test process's
    // event loop was busy (scanning a memory pool, say) would fail the next call with "other side closed".
    const text = await new Promise<string>((res, rej) => {
      const req = request(`${this.origin}/api/call`, {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${this.token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
        signal: AbortSignal.timeout(90_000),
      });
      req.once('error', rej);
      req.once('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.once('error', rej);
        response.once('end', () => res(Buffer.concat(chunks).toString()));
      });
      req.end(body);
    });
    const reply = JSON.parse(text) as { ok: boolean; value?: T; error?: { message: string } };
    if (!reply.ok) throw new Error(`${this.name} ${method}: ${reply.error?.message ?? 'failed'}`);
    return reply.value as T;
  }
}

/**
 * Polls `probe` until it returns something other than undefined/false. The default bound is many times a quiet
 * machine's seconds: a peer whose dials failed a few times is dialled again after up to ~50 s (mesh/redial.ts).
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
