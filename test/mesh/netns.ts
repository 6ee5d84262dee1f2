import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * Network namespaces joined by veth pairs, for mesh tests that need real routing and NAT. Needs root, `ip`
 * (iproute2) and `nft` (nftables). Every name carries a random tag, so parallel runs do not clash; nothing is
 * routed to or from the host's own network (the test reaches node APIs over per-namespace management links that
 * lead nowhere else).
 */

/** Why these tests cannot run here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const tool of ['ip', 'nft']) {
    const probe = spawnSync(tool, ['-V'], { stdio: 'ignore' });
    if (probe.error || probe.status !== 0) return `\`${tool}\` is missing (install iproute2 and nftables)`;
  }
  const tag = `hmprobe${randomBytes(3).toString('hex')}`;
  const made = spawnSync('ip', ['netns', 'add', tag], { encoding: 'utf8' });
  if (made.status !== 0) return `\`ip netns add\` fails here: ${made.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', tag]);
  return null;
}

export function run(cmd: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input ? { input } : {}) });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

/** A set of namespaces made together and removed together. */
export class Topology {
  /** Short random tag in every namespace and interface name (interface names are at most 15 characters). */
  readonly tag = randomBytes(2).toString('hex');
  private readonly namespaces: string[] = [];
  private readonly rootLinks: string[] = [];
  private managementLinks = 0;

  /** Creates a namespace with loopback up; `forwarding` makes it a router. */
  namespace(role: string, options: { forwarding?: boolean } = {}): string {
    const name = `hm-${this.tag}-${role}`;
    run('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    this.exec(name, 'ip', ['link', 'set', 'lo', 'up']);
    if (options.forwarding) this.exec(name, 'sysctl', ['-qw', 'net.ipv6.conf.all.forwarding=1']);
    return name;
  }

  exec(ns: string, cmd: string, args: readonly string[], input?: string): string {
    return run('ip', ['netns', 'exec', ns, cmd, ...args], input);
  }

  /** A veth pair between two namespaces, with an address (CIDR) on each end; returns the interface names. */
  link(a: { ns: string; address?: string }, b: { ns: string; address?: string }, label: string): [string, string] {
    const ifA = `hm${this.tag}${label}a`;
    const ifB = `hm${this.tag}${label}b`;
    run('ip', ['link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB]);
    for (const [end, name] of [
      [a, ifA],
      [b, ifB],
    ] as const) {
      run('ip', ['link', 'set', name, 'netns', end.ns]);
      // nodad: the address is usable at once (no duplicate address detection on a link we just made).
      if (end.address) this.exec(end.ns, 'ip', ['-6', 'addr', 'add', end.address, 'dev', name, 'nodad']);
      this.exec(end.ns, 'ip', ['link', 'set', name, 'up']);
    }
    return [ifA, ifB];
  }

  /**
   * A management link from the host (the test process) into `ns`: returns the namespace-side address, on which
   * a node serves its API. Only this /64 is routed, so it reaches no other namespace.
   */
  management(ns: string): string {
    const k = this.managementLinks++;
    const prefix = `fd6d:${this.tag}:${k}`;
    const ifHost = `hm${this.tag}m${k}h`;
    const ifNs = `hm${this.tag}m${k}n`;
    run('ip', ['link', 'add', ifHost, 'type', 'veth', 'peer', 'name', ifNs]);
    this.rootLinks.push(ifHost);
    run('ip', ['link', 'set', ifNs, 'netns', ns]);
    run('ip', ['-6', 'addr', 'add', `${prefix}::1/64`, 'dev', ifHost, 'nodad']);
    run('ip', ['link', 'set', ifHost, 'up']);
    this.exec(ns, 'ip', ['-6', 'addr', 'add', `${prefix}::2/64`, 'dev', ifNs, 'nodad']);
    this.exec(ns, 'ip', ['link', 'set', ifNs, 'up']);
    return `${prefix}::2`;
  }

  /** Removes everything (deleting a namespace deletes its interfaces and their veth peers). Never throws. */
  destroy(): void {
    for (const ns of this.namespaces.splice(0)) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    for (const link of this.rootLinks.splice(0)) spawnSync('ip', ['link', 'del', link], { stdio: 'ignore' });
  }
}
