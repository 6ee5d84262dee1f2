import { generateKeyPair } from '@libp2p/crypto/keys';
import { describe, expect, it } from 'vitest';
import { assetIdFor } from '../assets/asset-id';
import { loadOrCreateIdentity } from '../identity/identity';
import { useTempDirs } from '../testing/temp-dir';
import {
  MAX_ANNOUNCEMENT_BYTES,
  MAX_CHAIN_REQUEST,
  MAX_SYNC_HAVE,
  chainDigest,
  decodeAnnouncement,
  decodeChainAnswer,
  decodeChainRequest,
  decodeSyncAnswer,
  decodeSyncRequest,
  encodeAnnouncement,
  encodeChainAnswer,
  encodeChainRequest,
  encodeCompactAnnouncement,
  encodeSyncAnswer,
  encodeSyncRequest,
  priceUnits,
  signingInput,
  type AnnouncementBody,
} from './announcement';
import { announcementBody } from './testing';
import { createBinding, stoqAddressOf, stoqMultiaddr, verifyBinding } from './stoq-libp2p';
import { reachabilityOf } from './mesh';

const tempDir = useTempDirs();
const NOW = Date.UTC(2026, 10, 25, 12);

function body(owner: string, overrides: Partial<AnnouncementBody> = {}): AnnouncementBody {
  const cpu = {
    assetId: assetIdFor('cpu', owner, { model: 'test', cores: 8 }),
    kind: 'cpu' as const,
    capacity: { unit: 'slots' as const, total: 8, allowed: 2 },
    privacyLevel: 'FullPublic' as const,
    allocationType: 'Public' as const,
    pricePerHour: '0.25',
    requiredProofs: { space: true, stake: true, work: true, time: true },
  };
  return announcementBody(owner, NOW, [cpu], overrides);
}

const wire = (b: unknown, chain = ['AAAA'], signature = 'AAAA') =>
  new TextEncoder().encode(JSON.stringify({ body: b, chain, signature }));

const enc = (text: string) => new TextEncoder().encode(text);

describe('mesh announcements', () => {
  const owner = loadOrCreateIdentity(tempDir()).nodeId;

  it('round-trips, and signs the same bytes whatever order the fields arrived in', () => {
    const b = body(owner);
    const bytes = encodeAnnouncement({ body: b, chain: [new Uint8Array([1, 2])], signature: new Uint8Array([3]) });
    const back = decodeAnnouncement(bytes, NOW);
    expect(back.body).toEqual(b);
    expect(back.chain).toEqual([new Uint8Array([1, 2])]);
    // The same fields in reverse order, as a peer's JSON might carry them.
    const shuffled = Object.fromEntries(Object.entries(b).reverse()) as unknown as AnnouncementBody;
    expect(Object.keys(shuffled)[0]).toBe('assets');
    expect(signingInput(shuffled)).toEqual(signingInput(b));
    expect(signingInput(body(owner, { seq: NOW + 1 }))).not.toEqual(signingInput(b));
  });

  it('carries the chain inline or as its digest (the compact form), never both', () => {
    const b = body(owner);
    // Certificate-sized entries: with ML-DSA keys and signatures a certificate is several KB.
    const chain = [new Uint8Array(5_000).fill(1), new Uint8Array(5_000).fill(2)];
    const full = decodeAnnouncement(encodeAnnouncement({ body: b, chain, signature: new Uint8Array([4]) }), NOW);
    expect(full.chainRef).toBe(chainDigest(chain));
    const compactBytes = encodeCompactAnnouncement({ body: b, chainRef: full.chainRef, signature: full.signature });
    const compact = decodeAnnouncement(compactBytes, NOW);
    expect(compact).toEqual({ ...full, chain: null });
    const fullBytes = encodeAnnouncement({ body: b, chain, signature: full.signature });
    expect(compactBytes.length).toBeLessThan(fullBytes.length - 10_000);
    const both = { body: b, chain: ['AAAA'], chainRef: full.chainRef, signature: 'AAAA' };
    expect(() => decodeAnnouncement(enc(JSON.stringify(both)), NOW)).toThrow(/both/);
    for (const chainRef of ['', 'AB'.repeat(32), full.chainRef.slice(1), 42]) {
      const bad = JSON.stringify({ body: b, chainRef, signature: 'AAAA' });
      expect(() => decodeAnnouncement(enc(bad), NOW)).toThrow(/chain reference/);
    }
    expect(() => decodeAnnouncement(enc(JSON.stringify({ body: b, signature: 'AAAA' })), NOW)).toThrow(/chain/);
  });

  it.each([
    ['garbage', new TextEncoder().encode('{nope'), /not JSON/],
    ['oversized', new Uint8Array(MAX_ANNOUNCEMENT_BYTES + 1), /exceeds/],
    ['expired', wire(body(owner, { issuedAt: NOW - 400_000, expiresAt: NOW - 1 })), /expired/],
    ['from the future', wire(body(owner, { issuedAt: NOW + 120_000, expiresAt: NOW + 300_000 })), /future/],
    ['too long-lived', wire(body(owner, { expiresAt: NOW + 3_600_000 })), /lifetime/],
    ['without a chain', wire(body(owner), []), /chain/],
    ['a bad address', wire(body(owner, { addresses: ['not an address'] })), /addresses/],
    ['a bad peer id', wire(body(owner, { peerId: 'x' })), /peerId/],
    [
      "another node's asset",
      wire(body(owner, { assets: body(loadOrCreateIdentity(tempDir()).nodeId).assets })),
      /another node/,
    ],
    [
      'a Private asset',
      wire(body(owner, { assets: [{ ...body(owner).assets[0]!, privacyLevel: 'Private' }] })),
      /privacy/,
    ],
    [
      'a negative capacity',
      wire(
        body(owner, { assets: [{ ...body(owner).assets[0]!, capacity: { unit: 'slots', total: 8, allowed: -1 } }] }),
      ),
      /capacity/,
    ],
    ['a float price', wire(body(owner, { assets: [{ ...body(owner).assets[0]!, pricePerHour: '1e3' }] })), /price/],
  ])('refuses an announcement with %s', (_name, bytes, message) => {
    expect(() => decodeAnnouncement(bytes, NOW)).toThrow(message);
  });

  it('compares prices in base units, not floating point', () => {
    expect(priceUnits('0.1') + priceUnits('0.2')).toBe(priceUnits('0.3'));
    expect(priceUnits('12')).toBe(1_200_000_000n);
    expect(priceUnits('0.00000001')).toBe(1n);
  });
});

describe('mesh sync messages', () => {
  it('round-trips requests and answers', () => {
    const have = new Map([
      ['node-a', 5],
      ['node-b', 0],
    ]);
    expect(decodeSyncRequest(encodeSyncRequest(have))).toEqual(have);
    const items = [enc('{"one":1}'), new Uint8Array(70).fill(0x20)];
    const answer = decodeSyncAnswer(encodeSyncAnswer(items, true));
    expect(answer.more).toBe(true);
    expect(answer.announcements.map((a) => [...a])).toEqual(items.map((a) => [...a]));
    expect(decodeSyncAnswer(encodeSyncAnswer([], false))).toEqual({ announcements: [], more: false });
  });

  it('refuses malformed requests', () => {
    expect(() => decodeSyncRequest(enc('nope'))).toThrow(/not JSON/);
    expect(() => decodeSyncRequest(enc('{"have":[1]}'))).toThrow(/no `have`/);
    expect(() => decodeSyncRequest(enc('{"have":{"a":-1}}'))).toThrow(/invalid entry/);
    expect(() => decodeSyncRequest(enc('{"have":{"a":1.5}}'))).toThrow(/invalid entry/);
    expect(() => decodeSyncRequest(enc(`{"have":{"${'x'.repeat(129)}":1}}`))).toThrow(/invalid entry/);
    const tooMany = Object.fromEntries(Array.from({ length: MAX_SYNC_HAVE + 1 }, (_, i) => [`n${i}`, i]));
    expect(() => decodeSyncRequest(enc(JSON.stringify({ have: tooMany })))).toThrow(/over 4096/);
  });

  it('refuses malformed answers: bad flag, truncated or oversized entries', () => {
    expect(() => decodeSyncAnswer(new Uint8Array())).toThrow(/out of range/);
    expect(() => decodeSyncAnswer(Uint8Array.of(2))).toThrow(/flag/);
    expect(() => decodeSyncAnswer(Uint8Array.of(0, 0, 0))).toThrow(/truncated/);
    expect(() => decodeSyncAnswer(Uint8Array.of(0, 0, 0, 0, 9, 1, 2))).toThrow(/invalid length/);
    expect(() => decodeSyncAnswer(Uint8Array.of(0, 0, 0, 0, 0))).toThrow(/invalid length/);
    const huge = Buffer.alloc(9);
    huge.writeUInt32BE(MAX_ANNOUNCEMENT_BYTES + 1, 1);
    expect(() => decodeSyncAnswer(huge)).toThrow(/invalid length/);
  });
});

describe('mesh chain requests', () => {
  const chainA = [new Uint8Array([1, 2, 3]), new Uint8Array(5000).fill(7)];
  const chainB = [new Uint8Array([9])];

  it('round-trips requests and answers, each chain keyed by its digest', () => {
    const digests = [chainDigest(chainA), chainDigest(chainB)];
    expect(decodeChainRequest(encodeChainRequest([...digests, digests[0]!]))).toEqual(digests);
    const answer = decodeChainAnswer(encodeChainAnswer([chainA, chainB]));
    expect([...answer.keys()]).toEqual(digests);
    expect(answer.get(digests[0]!)).toEqual(chainA);
    expect(decodeChainAnswer(encodeChainAnswer([])).size).toBe(0);
  });

  it('refuses malformed requests', () => {
    const digest = chainDigest(chainA);
    expect(() => decodeChainRequest(enc('nope'))).toThrow(/not JSON/);
    expect(() => decodeChainRequest(enc('{"chains":"x"}'))).toThrow(/no `chains`/);
    expect(() => decodeChainRequest(enc('{"chains":[]}'))).toThrow(/1–64/);
    expect(() => decodeChainRequest(enc(JSON.stringify({ chains: [digest.toUpperCase()] })))).toThrow(/invalid/);
    const tooMany = Array.from({ length: MAX_CHAIN_REQUEST + 1 }, () => digest);
    expect(() => decodeChainRequest(enc(JSON.stringify({ chains: tooMany })))).toThrow(/1–64/);
  });

  it('refuses malformed answers: empty chains, truncated, oversized or trailing bytes', () => {
    const good = encodeChainAnswer([chainB]);
    expect(() => decodeChainAnswer(new Uint8Array())).toThrow(/empty/);
    expect(() => decodeChainAnswer(Uint8Array.of(1, 0))).toThrow(/invalid length/);
    expect(() => decodeChainAnswer(Uint8Array.of(1, 5))).toThrow(/invalid length/);
    expect(() => decodeChainAnswer(good.subarray(0, good.length - 1))).toThrow(/invalid length/);
    expect(() => decodeChainAnswer(Uint8Array.of(...good, 0))).toThrow(/trailing/);
    expect(() => decodeChainAnswer(Uint8Array.of(1, 1, 0, 0))).toThrow(/truncated/);
    expect(() => decodeChainAnswer(Uint8Array.of(1, 1, 0, 1, 0, 0, 0))).toThrow(/invalid length/);
    expect(() => decodeChainAnswer(Uint8Array.of(MAX_CHAIN_REQUEST + 1))).toThrow(/over 64/);
  });
});

describe('PeerId binding', () => {
  it('binds a libp2p key to a NodeId; another NodeId or a tampered statement is refused', async () => {
    const key = await generateKeyPair('Ed25519');
    const statement = await createBinding(key, 'node-a');
    expect((await verifyBinding(statement, 'node-a')).toString()).toBe(
      (await import('@libp2p/peer-id')).peerIdFromPrivateKey(key).toString(),
    );
    await expect(verifyBinding(statement, 'node-b')).rejects.toThrow(/did not sign/);
    const tampered = new Uint8Array(statement);
    tampered[tampered.length - 1]! ^= 1;
    await expect(verifyBinding(tampered, 'node-a')).rejects.toThrow(/did not sign/);
    await expect(verifyBinding(statement.subarray(0, 10), 'node-a')).rejects.toThrow(/truncated/);
    await expect(verifyBinding(new Uint8Array([9, 1, 2, 3]), 'node-a')).rejects.toThrow(/format/);
  });

  it('maps STOQ addresses to multiaddrs and back, refusing others', () => {
    expect(stoqMultiaddr({ host: '::1', port: 9292 }).toString()).toBe('/ip6/::1/udp/9292/stoq');
    expect(stoqAddressOf(stoqMultiaddr({ host: '127.0.0.1', port: 7 }))).toEqual({ host: '127.0.0.1', port: 7 });
    expect(stoqAddressOf(stoqMultiaddr({ host: 'example.org', port: 7 }))).toEqual({ host: 'example.org', port: 7 });
    const tcp = stoqMultiaddr({ host: '::1', port: 1 }).decapsulate('/udp');
    expect(stoqAddressOf(tcp)).toBeNull();
  });

  it('tells reachability from the addresses libp2p reports', () => {
    expect(reachabilityOf(['/ip6/::1/udp/1/stoq'])).toBe('unknown');
    expect(reachabilityOf(['/ip4/192.168.1.4/udp/1/stoq', '/ip6/::1/udp/1/stoq'])).toBe('behind-nat');
    expect(reachabilityOf(['/ip4/93.184.216.34/udp/1/stoq', '/ip4/192.168.1.4/udp/1/stoq'])).toBe('public');
    expect(
      reachabilityOf([
        '/ip4/93.184.216.34/udp/1/stoq/p2p/12D3KooWExjNUTDMiMRqDN1ZytAmivBiNr6MVV7wX5QnicJUJTqp/p2p-circuit',
      ]),
    ).toBe('relayed');
  });
});
