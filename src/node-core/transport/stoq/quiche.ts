import { quiche } from '@matrixai/quic/native/index.js';
import type {
  Config as QuicheConfig,
  Connection as QuicheConnection,
  PathStats as QuichePathStats,
  Stats as QuicheStats,
} from '@matrixai/quic/native/types.js';

export { quiche };
export type { QuicheConfig, QuicheConnection, QuicheStats, QuichePathStats };

export const ALPN = 'stoq/1';
/** STOQ uses 20-byte connection ids everywhere, so short-header packets can be routed by their first bytes. */
export const CID_LENGTH = 20;
/** The standard QUIC datagram size off loopback (fits a 1,500-byte MTU with IPv6 and UDP headers). */
export const DEFAULT_DATAGRAM_BYTES = 1350;

export interface ConfigOptions {
  readonly certPem: string;
  readonly keyPem: string;
  readonly idleTimeoutMs: number;
  readonly datagramBytes: number;
  readonly streamWindow: number;
  readonly connectionWindow: number;
  readonly maxStreams: number;
}

/**
 * A quiche configuration for one side. Both sides present certificates and require the peer's; BoringSSL is told
 * to let an unverifiable (self-signed) chain through, because STOQ verifies peers itself once the handshake is done
 * (PeerVerifier) and closes the connection before any stream is served if that fails.
 */
export function buildConfig(options: ConfigOptions): QuicheConfig {
  const enc = new TextEncoder();
  const config = quiche.Config.withBoringSslCtx(
    true,
    true,
    null,
    [enc.encode(options.keyPem)],
    [enc.encode(options.certPem)],
  );
  config.setApplicationProtos([ALPN]);
  config.grease(true);
  config.setMaxIdleTimeout(options.idleTimeoutMs);
  config.setMaxRecvUdpPayloadSize(65527);
  config.setMaxSendUdpPayloadSize(options.datagramBytes);
  config.setInitialMaxData(options.connectionWindow);
  config.setInitialMaxStreamDataBidiLocal(options.streamWindow);
  config.setInitialMaxStreamDataBidiRemote(options.streamWindow);
  config.setInitialMaxStreamDataUni(options.streamWindow);
  config.setInitialMaxStreamsBidi(options.maxStreams);
  config.setInitialMaxStreamsUni(0); // STOQ uses bidirectional streams only
  config.setMaxStreamWindow(Math.max(options.streamWindow, 16 * 1024 * 1024));
  config.setMaxConnectionWindow(Math.max(options.connectionWindow, 64 * 1024 * 1024));
  config.setDisableActiveMigration(true);
  config.enableDgram(false, 0, 0);
  return config;
}

/** quiche reports stream errors as thrown Errors whose message names the error, e.g. `StreamReset(5)`. */
export function quicheErrorCode(err: unknown): { kind: string; code: number | null } {
  const message = err instanceof Error ? err.message : String(err);
  const match = /^(\w+)(?:\((\d+)\))?/.exec(message);
  return { kind: match?.[1] ?? message, code: match?.[2] === undefined ? null : Number(match[2]) };
}

/**
 * What STOQ calls on quiche's binding. On Linux it is @matrixai/quic-linux-x64 2.0.9; macOS and Windows get 1.2.12
 * (package.json overrides: 2.0.9 ships no binary for them). Both declare the same native API (docs/protocol/stoq.md,
 * "Platforms"); this check makes a binding that lacks a call refuse at start, by name, not fail mid-connection.
 */
const BINDING_CALLS = {
  quiche: ['negotiateVersion', 'retry', 'versionIsSupported'],
  'quiche.Config': ['withBoringSslCtx'],
  'quiche.Connection': ['accept', 'connect'],
  'quiche.Header': ['fromSlice'],
  'quiche.Config.prototype': [
    'setApplicationProtos',
    'grease',
    'setMaxIdleTimeout',
    'setMaxRecvUdpPayloadSize',
    'setMaxSendUdpPayloadSize',
    'setInitialMaxData',
    'setInitialMaxStreamDataBidiLocal',
    'setInitialMaxStreamDataBidiRemote',
    'setInitialMaxStreamDataUni',
    'setInitialMaxStreamsBidi',
    'setInitialMaxStreamsUni',
    'setMaxStreamWindow',
    'setMaxConnectionWindow',
    'setDisableActiveMigration',
    'enableDgram',
  ],
  'quiche.Connection.prototype': [
    'recv',
    'send',
    'close',
    'timeout',
    'onTimeout',
    'isEstablished',
    'isClosed',
    'isTimedOut',
    'isReadable',
    'readable',
    'localError',
    'peerError',
    'peerCertChain',
    'sendAckEliciting',
    'stats',
    'pathStats',
    'streamRecv',
    'streamSend',
    'streamShutdown',
    'streamWritable',
  ],
} as const;

/** The binding calls STOQ needs that the loaded binding lacks (empty when it has them all). */
export function missingBindingCalls(binding: unknown = quiche): string[] {
  const missing: string[] = [];
  for (const [path, names] of Object.entries(BINDING_CALLS)) {
    let target: unknown = { quiche: binding };
    for (const part of path.split('.')) target = (target as Record<string, unknown> | undefined)?.[part];
    for (const name of names) {
      if (typeof (target as Record<string, unknown> | undefined)?.[name] !== 'function')
        missing.push(`${path}.${name}`);
    }
  }
  for (const [path, value] of [
    ['quiche.Type.Initial', (binding as typeof quiche).Type?.Initial],
    ['quiche.Shutdown.Read', (binding as typeof quiche).Shutdown?.Read],
    ['quiche.Shutdown.Write', (binding as typeof quiche).Shutdown?.Write],
  ] as const) {
    if (typeof value !== 'number') missing.push(path);
  }
  return missing;
}
