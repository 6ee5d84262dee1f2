/**
 * STOQ under an Initial flood (issue #22 item 10): 2,400 real QUIC Initials in 10 s, from sockets that never answer
 * (as a spoofed-source flood looks to the node), while honest peers dial in. The figure is the share of honest
 * handshakes answered within HANDSHAKE_BOUND_MS; the baseline is the same handshakes with no flood, in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateIdentity } from '../src/node-core/identity/identity';
import { LogBook } from '../src/node-core/logging/log-book';
import { StoqEndpoint } from '../src/node-core/transport/stoq/endpoint';
import {
  createSelfSignedNodeCertificate,
  createSelfSignedVerifier,
  type CertificateMaterial,
} from '../src/node-core/transport/stoq/node-certificate';
import { floodSockets, loopbackEndpoint, makeInitials } from '../src/node-core/transport/stoq/testing';
import { Report, median } from './report';

// Quick mode (BENCH_QUICK=1, `npm run bench -- --quick`): the same rate for 3 s, as a check that the bench runs.
const QUICK = process.env.BENCH_QUICK === '1';
const FLOOD_MS = QUICK ? 3_000 : 10_000;
const FLOOD_INITIALS = (2400 * FLOOD_MS) / 10_000; // 240 Initials/s, the rate of the flood in issue #22
const FLOOD_SOCKETS = 8;
const HONEST = QUICK ? 6 : 12;
/** A handshake answered later than this counts as not answered: a peer would have given up or retried by then. */
const HANDSHAKE_BOUND_MS = 5_000;
const HOST = '::1';

const report = new Report('flood');
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hm-bench-'));
  dirs.push(d);
  return d;
};

const { endpoint: server } = await loopbackEndpoint(tempDir());
const clientCert: CertificateMaterial = await createSelfSignedNodeCertificate(loadOrCreateIdentity(tempDir()));
const clientLog = new LogBook({ minLevel: 'warn' }).logger('client');

/** One honest peer: a fresh socket dials the node; the time to a verified connection, or null if not answered. */
async function honestHandshake(): Promise<number | null> {
  const client = await StoqEndpoint.listen({
    host: HOST,
    port: 0,
    certificate: clientCert,
    verifier: createSelfSignedVerifier(),
    log: clientLog,
    acceptIncoming: false,
  });
  const started = performance.now();
  try {
    const conn = await client.connect(server.address, undefined, AbortSignal.timeout(HANDSHAKE_BOUND_MS));
    const ms = performance.now() - started;
    conn.close();
    return ms;
  } catch {
    return null;
  } finally {
    await client.close();
  }
}

// Warm-up, then the baseline: the same handshakes with no flood.
await honestHandshake();
const quiet: (number | null)[] = [];
for (let i = 0; i < HONEST; i++) quiet.push(await honestHandshake());
const quietAnswered = quiet.filter((ms): ms is number => ms !== null);

// The flood: real Initials made beforehand, sent evenly over FLOOD_MS from sockets that never answer.
const initials = makeInitials(clientCert, server.address, FLOOD_INITIALS);
const sockets = await floodSockets(HOST, FLOOD_SOCKETS);
let sent = 0;
let peakConnections = 0;
const floodStart = performance.now();
const flooding = new Promise<void>((resolve) => {
  const tick = setInterval(() => {
    const due = Math.min(FLOOD_INITIALS, Math.ceil(((performance.now() - floodStart) / FLOOD_MS) * FLOOD_INITIALS));
    for (; sent < due; sent++) {
      const socket = sockets[sent % sockets.length];
      socket?.send(initials[sent] as Buffer, server.address.port, server.address.host);
    }
    peakConnections = Math.max(peakConnections, server.connectionCount);
    if (sent === FLOOD_INITIALS) {
      clearInterval(tick);
      resolve();
    }
  }, 5);
});
// Honest peers dial in evenly through the flood, each on its own.
const honest: Promise<number | null>[] = [];
for (let i = 0; i < HONEST; i++) {
  await new Promise((r) => setTimeout(r, FLOOD_MS / HONEST / 2 + (i === 0 ? 0 : FLOOD_MS / HONEST / 2)));
  honest.push(honestHandshake());
}
await flooding;
const floodElapsed = performance.now() - floodStart;
const results = await Promise.all(honest);
const answered = results.filter((ms): ms is number => ms !== null);

report.figure('flood_initials_sent', sent, 'packets');
report.figure('flood_initials_per_sec', (sent * 1000) / floodElapsed, 'packets/s');
report.figure('honest_handshakes_attempted', HONEST, 'handshakes');
report.figure('honest_handshakes_answered_flood', answered.length, 'handshakes');
report.figure('honest_handshakes_answered_quiet', quietAnswered.length, 'handshakes');
report.figure('honest_handshake_ms_flood_median', median(answered), 'ms');
report.figure('honest_handshake_ms_quiet_median', median(quietAnswered), 'ms');
report.figure('server_connections_peak_flood', peakConnections, 'connections');
report.figure('server_connections_after_flood', server.connectionCount, 'connections');
const admission = server.admissionStats();
report.figure('flood_retries_sent', admission.retried, 'packets');
report.figure('flood_handshakes_accepted', admission.accepted, 'handshakes');
report.figure(
  'flood_initials_dropped',
  Object.values(admission.dropped).reduce((a, b) => a + b, 0),
  'packets',
);
report.ratio('stoq_flood_honest_handshakes_ratio', answered.length / HONEST);
report.ratio('stoq_flood_vs_quiet_honest_handshakes', answered.length / Math.max(1, quietAnswered.length));
if (answered.length > 0 && quietAnswered.length > 0) {
  report.ratio('stoq_flood_vs_quiet_handshake_ms_median', median(answered) / median(quietAnswered));
}
report.note(
  `${FLOOD_INITIALS} Initials in ${FLOOD_MS / 1000} s from ${FLOOD_SOCKETS} silent sockets; ${HONEST} honest dials, ` +
    `each answered within ${HANDSHAKE_BOUND_MS / 1000} s or counted as not answered`,
);
report.write();

for (const s of sockets) s.close();
await server.close();
for (const d of dirs) rmSync(d, { recursive: true, force: true });
