export type PeerIdentityKind = 'trustchain' | 'self-signed' | 'unanchored';

/** Peer transport (STOQ) figures for the Network page and `getNetworkStats`. Byte counts are whole QUIC packets. */
export interface PeerConnectionStats {
  readonly peer: string;
  readonly nodeId: string | null;
  /**
   * How the peer proved who it is: a TrustChain certificate (fully verified), only its own keys (self-signed), or a
   * CA-issued chain this node could not check yet (unanchored); null while the handshake is running.
   */
  readonly identity: PeerIdentityKind | null;
  readonly role: 'client' | 'server';
  readonly tier: string | null;
  readonly handshakeMs: number | null;
  readonly rttMs: number | null;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly appBytesSent: number;
  readonly appBytesReceived: number;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly retransmits: number;
  readonly openStreams: number;
  readonly cwndBytes: number | null;
  readonly deliveryRateBytesPerSec: number | null;
}

/** How STOQ moves UDP datagrams: GSO/GRO batches, sendmmsg/recvmmsg batches (both our addon), or Node's dgram. */
export type StoqUdpPath = 'gso' | 'mmsg' | 'dgram';

export const UDP_PATH_LABELS: Record<StoqUdpPath, string> = {
  gso: 'GSO/GRO batches (stoq-udp addon)',
  mmsg: 'sendmmsg/recvmmsg batches (stoq-udp addon)',
  dgram: "Node's dgram, one datagram per call",
};

export interface NetworkStats {
  /** Where STOQ listens, or null when the transport is off. */
  readonly listening: { readonly host: string; readonly port: number } | null;
  /** The UDP path STOQ's socket uses, or null when the transport is off. */
  readonly udpPath: StoqUdpPath | null;
  readonly pinnedTier: string | null;
  readonly bandwidthCapBitsPerSec: number | null;
  readonly totals: {
    readonly bytesSent: number;
    readonly bytesReceived: number;
    /** Rates since the previous reading. */
    readonly sendBitsPerSec: number;
    readonly receiveBitsPerSec: number;
    readonly connections: number;
    readonly openStreams: number;
  };
  readonly connections: readonly PeerConnectionStats[];
  readonly sampledAt: string;
}

/** `[::1]:9292` for IPv6, `127.0.0.1:9292` for IPv4, as in URLs. */
export function formatHostPort(address: { readonly host: string; readonly port: number }): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
