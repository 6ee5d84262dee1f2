import type { Connection } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { describe, expect, it } from 'vitest';
import { ObservedStoqAddresses, circuitView, isPublicStoqAddress, reachabilityOf } from './nat';
import { registerStoqMultiaddr } from './stoq-libp2p';

registerStoqMultiaddr();
const RELAY = '12D3KooWExjNUTDMiMRqDN1ZytAmivBiNr6MVV7wX5QnicJUJTqp';
const PEER = '12D3KooWQqxnUnAJ8HEceW1gGCgzHpkueNytBGfXixYA93C8GWRj';
const direct = { remoteAddr: multiaddr(`/ip6/2001:4860::1/udp/9292/stoq/p2p/${RELAY}`) };

describe('NAT traversal over STOQ', () => {
  it('tells public STOQ addresses from private, loopback and special-purpose ones', () => {
    expect(isPublicStoqAddress({ host: '93.184.216.34', port: 1 })).toBe(true);
    expect(isPublicStoqAddress({ host: '2a00:1450::1', port: 1 })).toBe(true);
    for (const host of ['192.168.1.4', '10.0.0.1', '::1', '::', 'fd00::2', 'fe80::1', '2001:db8::1', 'example.org']) {
      expect(isPublicStoqAddress({ host, port: 1 })).toBe(false);
    }
  });

  it('a public address of its own means public, even with a relay reservation; a reservation alone, relayed', () => {
    const circuit = `/ip6/2a00:1450::1/udp/1/stoq/p2p/${RELAY}/p2p-circuit`;
    expect(reachabilityOf(['/ip6/2a00:1450::2/udp/1/stoq', circuit])).toBe('public');
    expect(reachabilityOf(['/ip6/fd00::2/udp/1/stoq', circuit])).toBe('relayed');
    expect(reachabilityOf(['/ip6/fd00::2/udp/1/stoq'])).toBe('behind-nat');
  });

  it('keeps the public mappings peers observed over direct connections, freshest first', () => {
    let now = 0;
    const observed = new ObservedStoqAddresses(() => now);
    observed.report(multiaddr('/ip6/2a00:1450::7/udp/9292/stoq'), direct);
    now = 1;
    observed.report(multiaddr('/ip4/93.184.216.34/udp/4000/stoq'), direct);
    // Private, relayed or not STOQ: ignored.
    observed.report(multiaddr('/ip4/192.168.1.4/udp/9292/stoq'), direct);
    observed.report(multiaddr('/ip4/93.184.216.35/udp/9292/stoq'), {
      remoteAddr: multiaddr(`/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`),
    });
    observed.report(multiaddr('/ip4/93.184.216.36/tcp/9292'), direct);
    expect(observed.list()).toEqual([
      { host: '93.184.216.34', port: 4000 },
      { host: '2a00:1450::7', port: 9292 },
    ]);
    now = 16 * 60_000;
    expect(observed.list()).toEqual([]);
  });

  it('shows relayed STOQ connections to DCUtR in the circuit form libp2p matches', () => {
    const relayed = {
      remoteAddr: multiaddr(`/ip6/2a00:1450::1/udp/9292/stoq/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`),
      remotePeer: PEER,
    } as unknown as Connection;
    const view = circuitView(relayed);
    expect(view.remoteAddr.toString()).toBe(`/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`);
    expect(view.remotePeer).toBe(PEER);
    expect(circuitView(direct as unknown as Connection)).toBe(direct);
  });
});
