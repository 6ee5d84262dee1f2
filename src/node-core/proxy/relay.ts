import type { Db } from '../store/index';
import { callJson, encodeJsonBody, ignoreReply } from '../transport/index';
import type { PeerLink } from '../transport/index';
import { canonicalOrUndefined } from './address';
import { ProxyError } from './errors';
import { ProxyMethod, encodeWrite } from './provider';

/**
 * A node that serves as a proxy (`settings.proxy.serveAsProxy`) for Anonymous consumers: it leases and maps memory at
 * a provider in its own name and hands the consumer an address of its own, which it translates — the NAT in the
 * middle. The consumer learns neither the provider's NodeId nor its network address; the provider sees the relay as
 * its consumer; the relay sees only ciphertext (the consumer encrypts). Forwards live in SQLite `proxy_forwards`.
 */
export interface Forward {
  readonly address: string;
  readonly consumer: string;
  readonly provider: string;
  readonly providerAddress: string;
  readonly leaseId: string;
  readonly length: number;
  readonly expiresAt: number;
  readonly state: 'active' | 'freed';
}

interface Row {
  address: string;
  consumer: string;
  provider: string;
  provider_address: string;
  lease_id: string;
  length: number;
  expires_at: number;
  state: 'active' | 'freed';
}

export class ProxyRelay {
  /** Prepared once: every proxy.read and proxy.write asks whether its address is a forward. */
  private readonly byAddress;

  constructor(
    private readonly db: Db,
    private readonly linkTo: (nodeId: string) => Promise<PeerLink>,
    private readonly now: () => number,
  ) {
    this.byAddress = db.prepare('SELECT * FROM proxy_forwards WHERE address = ?');
  }

  private get(address: string): Forward | undefined {
    const canonical = canonicalOrUndefined(address);
    if (canonical === undefined) return undefined;
    const r = this.byAddress.get(canonical) as Row | undefined;
    return r
      ? {
          address: r.address,
          consumer: r.consumer,
          provider: r.provider,
          providerAddress: r.provider_address,
          leaseId: r.lease_id,
          length: r.length,
          expiresAt: r.expires_at,
          state: r.state,
        }
      : undefined;
  }

  handles(address: string): boolean {
    return this.get(address) !== undefined;
  }

  add(f: Forward): void {
    this.db
      .prepare(
        `INSERT INTO proxy_forwards (address, consumer, provider, provider_address, lease_id, length, expires_at, state)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'active')`,
      )
      .run(f.address, f.consumer, f.provider, f.providerAddress, f.leaseId, f.length, f.expiresAt);
  }

  /** The relay's own checks (owner, freed, expired); the provider checks bounds and permissions on its mapping. */
  private check(caller: string, address: string): Forward {
    const f = this.get(address);
    if (!f) throw new ProxyError('UNKNOWN_ADDRESS', 'no mapping has this address here');
    if (f.consumer !== caller) throw new ProxyError('NOT_YOURS', 'the mapping belongs to another consumer');
    if (f.state === 'freed') throw new ProxyError('FREED', 'the mapping was freed');
    if (this.now() >= f.expiresAt) throw new ProxyError('EXPIRED', 'the mapping expired');
    return f;
  }

  async read(caller: string, address: string, offset: number, length: number): Promise<Uint8Array> {
    const f = this.check(caller, address);
    const link = await this.linkTo(f.provider);
    const body = encodeJsonBody({ address: f.providerAddress, offset, length });
    return link.request(ProxyMethod.Read, body, { timeoutMs: 15_000 });
  }

  async write(caller: string, address: string, offset: number, data: Uint8Array): Promise<void> {
    const f = this.check(caller, address);
    const link = await this.linkTo(f.provider);
    await link.request(ProxyMethod.Write, encodeWrite(f.providerAddress, offset, data), { timeoutMs: 15_000 });
  }

  async free(caller: string, address: string): Promise<void> {
    const f = this.check(caller, address);
    this.db.prepare("UPDATE proxy_forwards SET state = 'freed' WHERE address = ?").run(f.address);
    const link = await this.linkTo(f.provider);
    await callJson(
      link,
      ProxyMethod.Free,
      { address: f.providerAddress },
      { timeoutMs: 15_000, validate: ignoreReply },
    );
  }
}
