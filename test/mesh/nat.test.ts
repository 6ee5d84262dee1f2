import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetView } from '../../src/shared/assets';
import type { MeshStatus, RemoteAllocationView, RemoteAssetView } from '../../src/shared/mesh';
import { MeshProcess, until } from './cluster';
import { Topology, netnsUnavailable } from './netns';

/**
 * A node behind NAT, in network namespaces joined by veth pairs:
 *
 *   pub (the "internet": 3fff::/20, the IPv6 documentation prefix of RFC 9637, which libp2p counts as public)
 *     ca 3fff::1, relay 3fff::2 (mesh.relay on), public 3fff::3          all STOQ on port 9292
 *     ├─ 3fff:0:1::/64 ─ nat1 (router: nftables masquerade, forwarding only what home opened)
 *     │                    └─ fd00:0:1::/64 ─ home1: home fd00:0:1::2 (bootstrap: the CA and the relay)
 *     └─ 3fff:0:2::/64 ─ nat2 (the same)
 *                          └─ fd00:0:2::/64 ─ home2: other fd00:0:2::2 (bootstrap: the CA and the relay)
 *
 * Each namespace with nodes also has a management link to the test process, which reaches the nodes' APIs on it
 * (--api-host, --allow-remote-api); it leads nowhere else. The router has a set of blocked addresses, so the test
 * can first cut the direct path between home and the public node (only the relay joins them), then open it.
 */
// Runs where namespaces can be made (root, ip, nft); HYPERMESH_NAT_TEST=0 leaves it out. It once failed on a clean CI
// machine: the public node never reached home through the relay. The likely cause, fixed since: a dial of home made
// before the public node was connected to the relay failed and was not retried for a minute, longer than the wait.
const unavailable = process.env.HYPERMESH_NAT_TEST === '0' ? 'left out: HYPERMESH_NAT_TEST=0' : netnsUnavailable();
const ALL = ['ca', 'relay', 'public', 'home', 'other'] as const;
type Name = (typeof ALL)[number];

/** How long DCUtR's round on a relayed connection lasts at most (a direct dial, then three attempts; 5 s each). */
const DCUTR_ROUND_MS = 20_000;

const topology = new Topology();
const nodes = new Map<Name, MeshProcess>();
let nat1 = '';
const node = (name: Name) => nodes.get(name)!;
const status = (name: Name) => node(name).call<MeshStatus>('getMeshStatus');
const nodeIdOf = async (name: Name) => (await node(name).call<{ nodeId: string }>('getStatus')).nodeId;
const ids = new Map<Name, string>();

/** A home network behind its own NAT router: `nat<k>` (3fff:0:k::2 outside, fd00:0:k::1 inside), `home<k>`. */
function homeNetwork(pub: string, k: number): { nat: string; home: string } {
  const nat = topology.namespace(`nat${k}`, { forwarding: true });
  const home = topology.namespace(`home${k}`);
  const outside = { ns: nat, address: `3fff:0:${k}::2/64` };
  const [, wan] = topology.link({ ns: pub, address: `3fff:0:${k}::1/64` }, outside, `w${k}`);
  const [lan] = topology.link(
    { ns: nat, address: `fd00:0:${k}::1/64` },
    { ns: home, address: `fd00:0:${k}::2/64` },
    `l${k}`,
  );
  topology.exec(nat, 'ip', ['-6', 'route', 'add', 'default', 'via', `3fff:0:${k}::1`]);
  topology.exec(home, 'ip', ['-6', 'route', 'add', 'default', 'via', `fd00:0:${k}::1`]);
  // A home router: home may open flows outwards, the outside may only answer them; sources are masqueraded
  // (Linux keeps the source port when it is free: an endpoint-independent mapping, which hole punching needs).
  topology.exec(
    nat,
    'nft',
    ['-f', '-'],
    `table ip6 hm {
      set blocked { type ipv6_addr; }
      chain forward {
        type filter hook forward priority filter; policy drop;
        ip6 daddr @blocked drop
        ip6 saddr @blocked drop
        iifname "${lan}" accept
        ct state established,related accept
      }
      chain postrouting {
        type nat hook postrouting priority srcnat;
        oifname "${wan}" masquerade
      }
    }`,
  );
  return { nat, home };
}

function build(): void {
  const pub = topology.namespace('pub', { forwarding: true });
  for (const host of ['3fff::1', '3fff::2', '3fff::3']) {
    topology.exec(pub, 'ip', ['-6', 'addr', 'add', `${host}/128`, 'dev', 'lo']);
  }
  const first = homeNetwork(pub, 1);
  const second = homeNetwork(pub, 2);
  nat1 = first.nat;
  const apiPub = topology.management(pub);
  const apiHome = topology.management(first.home);
  const apiOther = topology.management(second.home);
  const at = (netns: string, host: string, apiHost: string) => ({ netns, host, apiHost });
  nodes.set('ca', new MeshProcess('ca', 9292, ['trust', 'serve', '--name', 'NAT CA'], at(pub, '3fff::1', apiPub)));
  nodes.set('relay', new MeshProcess('relay', 9292, ['node'], at(pub, '3fff::2', apiPub)));
  nodes.set('public', new MeshProcess('public', 9292, ['node'], at(pub, '3fff::3', apiPub)));
  nodes.set('home', new MeshProcess('home', 9292, ['node'], at(first.home, 'fd00:0:1::2', apiHome)));
  nodes.set('other', new MeshProcess('other', 9292, ['node'], at(second.home, 'fd00:0:2::2', apiOther)));
}

const setBlocked = (addresses: readonly string[]) => {
  topology.exec(nat1, 'nft', ['flush', 'set', 'ip6', 'hm', 'blocked']);
  if (addresses.length > 0) {
    topology.exec(nat1, 'nft', ['add', 'element', 'ip6', 'hm', 'blocked', `{ ${addresses.join(', ')} }`]);
  }
};

describe.skipIf(unavailable !== null)(
  `a node behind NAT${unavailable ? ` (skipped: ${unavailable})` : ''}: relayed, then hole punched`,
  () => {
    beforeAll(async () => {
      try {
        build();
        // Until the test says otherwise, home and the public node have no direct path: only the relay joins them.
        setBlocked(['3fff::3']);
        await node('ca').start();
        await Promise.all(ALL.filter((n) => n !== 'ca').map((n) => node(n).start()));
        const caAddress = node('ca').stoqAddress;
        const mesh = { bootstrap: caAddress, mdns: false };
        await node('relay').call('updateSettings', { trust: { caAddress }, mesh: { ...mesh, relay: true } });
        await node('public').call('updateSettings', { trust: { caAddress }, mesh });
        for (const name of ['home', 'other'] as const) {
          await node(name).call('updateSettings', {
            trust: { caAddress },
            mesh: { ...mesh, bootstrap: `${caAddress}, ${node('relay').stoqAddress}` },
          });
        }
        for (const name of ALL) ids.set(name, await nodeIdOf(name));
        for (const name of ALL.filter((n) => n !== 'ca')) {
          await until(`${name} to be certified`, async () => {
            const trust = await node(name).call<{ state: string }>('getTrustStatus');
            return trust.state === 'certified';
          });
        }
      } catch (err) {
        const logs = [...nodes.values()].map((p) => `--- ${p.name}\n${p.stderr.slice(-3_000)}`).join('\n');
        throw new Error(`${(err as Error).message}\n${logs}`, { cause: err });
      }
      // Five node processes (a CA making post-quantum keys) start and get certified: each start alone may take 120 s.
    }, 300_000);

    afterAll(async () => {
      await Promise.all([...nodes.values()].map((p) => p.stop().catch(() => undefined)));
      for (const p of nodes.values()) p.removeData();
      topology.destroy();
    });

    it('home reserves a slot on the relay and is reached through it; the public nodes say they are public', async () => {
      const home = await until('home to hold a relay reservation', async () => {
        const s = await status('home');
        return s.reachability === 'relayed' ? s : undefined;
      });
      // Read now: a node's libp2p (and PeerId) starts once it is certified.
      const relayPeer = (await status('relay')).peerId!;
      expect(home.addresses.some((a) => a.includes(`/p2p/${relayPeer}/p2p-circuit`))).toBe(true);
      // Its only address of its own is private: the NAT's mapping is not announced to libp2p (nat.ts).
      expect(home.addresses.filter((a) => !a.includes('/p2p-circuit'))).toEqual([
        expect.stringMatching(/^\/ip6\/fd00:0:1::2\/udp\/9292\/stoq/),
      ]);
      for (const name of ['relay', 'public'] as const) {
        const s = await status(name);
        expect(s.reachability).toBe('public');
        expect(s.addresses.some((a) => a.includes('/p2p-circuit'))).toBe(false);
      }

      // The public node cannot reach home directly (nor home it): their connection goes through the relay.
      const homeId = ids.get('home')!;
      const publicId = ids.get('public')!;
      const seen = await until('the public node to be connected to home through the relay', async () =>
        (await status('public')).peers.find((p) => p.nodeId === homeId && p.connected),
      );
      expect(seen.relayed).toBe(true);
      // Home names the peer once it has its announcement (gossip, through the CA and the relay).
      const fromHome = await until('home to see the public node connected', async () =>
        (await status('home')).peers.find((p) => p.nodeId === publicId && p.connected),
      );
      expect(fromHome.relayed).toBe(true);
    });

    it('DCUtR upgrades the relayed connection to a direct STOQ one, and the public node allocates at home', async () => {
      const homeId = ids.get('home')!;
      // Home shares its CPU; the announcement reaches the public node by gossip (through the CA and the relay).
      await node('home').call('updateSettings', {
        privacyLevel: 'FullPublic',
        allocationType: 'Public',
        allocation: { cpu: 50 },
      });
      const cpu = await until('the public node to find home\u2019s CPU', async () =>
        (await node('public').call<RemoteAssetView[]>('searchAssets', { kind: 'cpu' })).find((h) => h.owner === homeId),
      );
      const before = await until('the public node to be connected to home', async () =>
        (await status('public')).peers.find((p) => p.nodeId === homeId && p.connected),
      );
      expect(before.relayed).toBe(true);
      // DCUtR's round on that connection (home dials the public node, then up to three coordinated attempts of
      // 5 s) fails while the path is blocked. Once it is over, only the allocation can bring the upgrade about.
      await new Promise((r) => setTimeout(r, DCUTR_ROUND_MS));

      // The direct path opens (the router forwards what home sends out, and the answers). The allocation needs
      // STOQ end to end: it replaces the relayed connection with a fresh one, on which home runs DCUtR again and
      // dials the public node; the allocation runs over that direct connection.
      setBlocked([]);
      const lease = await node('public').call<RemoteAllocationView>('allocateRemote', {
        assetId: cpu.assetId,
        amount: 1,
        durationMs: 600_000,
      });
      expect(lease).toMatchObject({ owner: homeId, kind: 'cpu', amount: 1, ownerProofVerified: true });
      const homeCpu = (await node('home').call<AssetView[]>('getAssets')).find((a) => a.kind === 'cpu');
      expect(homeCpu).toMatchObject({ leases: 1 });
      // The libp2p connections settle a moment later (the relayed one is closed, the maintenance may dial too):
      // wait for the direct one to be what the public node shows.
      const direct = await until('the public node to show home connected directly', async () =>
        (await status('public')).peers.find((p) => p.nodeId === homeId && p.connected && !p.relayed),
      );
      expect(direct).toMatchObject({ connected: true, relayed: false });
      // Home still keeps its relay reservation for peers that cannot punch through.
      expect((await status('home')).reachability).toBe('relayed');
    });

    it('two nodes behind different NATs reach each other through the relay', async () => {
      const homeId = ids.get('home')!;
      const otherId = ids.get('other')!;
      // Neither can dial the other (private addresses; each NAT drops what its side did not ask for): they meet
      // through the relay. DCUtR then has both dial the other's NAT mapping at once, which is not asserted here:
      // between two Linux NATs with no latency, the first packet to arrive leaves a conntrack entry at the far NAT
      // that makes it pick another port for its own side's packet, so the punch fails (src/node-core/mesh/nat.ts).
      await until('other to be connected to home', async () =>
        (await status('other')).peers.find((p) => p.nodeId === homeId && p.connected),
      );
      await until('home to see other connected', async () =>
        (await status('home')).peers.find((p) => p.nodeId === otherId && p.connected),
      );
      expect((await status('other')).reachability).toBe('relayed');
    });
  },
);
