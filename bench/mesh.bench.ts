/**
 * The mesh at 50 nodes: one TrustChain CA node plus 50 certified member nodes, real Node objects (createNode with
 * fixedHardware, own temp data dir, real SQLite, real STOQ) in this one process, every member told only of the CA.
 * Members are certified first (mesh off, in small parallel batches), then join the mesh in waves. Measured:
 * (1) how long until every member's peer book holds all 50 other members, (2) how long a changed announcement takes
 * to reach every other node, next to a plain gossip message over the same libp2p nodes (same run, interleaved: a
 * small one and one the size of the announcement), (3) memory per node, (4) the time to discover everyone next to
 * 50 plain STOQ dials, plus the steady-state load (CPU, connection churn, announcement and STOQ traffic).
 *
 * Knobs (environment): HM_BENCH_MESH_NODES (50), HM_BENCH_MESH_INTERVAL_MS (timing.mesh.intervalMs, 1000),
 * HM_BENCH_MESH_ANNOUNCE_MS (re-announcement of unchanged assets, 60000),
 * HM_BENCH_MESH_HOST (all nodes on one address, e.g. ::1; default: one loopback address per node),
 * HM_BENCH_MESH_PUBLISHERS (5), HM_BENCH_MESH_DEBUG_LOGS (keep debug log lines for the diagnosis),
 * HM_BENCH_MESH_PROFILE (X.cpuprofile: CPU profiles of the join and the steady state go to X-join/X-steady).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Message } from '@libp2p/gossipsub';
import { formatHostPort } from '../src/shared/network';
import { loadOrCreateIdentity } from '../src/node-core/identity/identity';
import { LogBook } from '../src/node-core/logging/log-book';
import { ANNOUNCE_TOPIC, type MeshLibp2p } from '../src/node-core/mesh/libp2p-node';
import { createNode, type HyperMeshNode, type NodeConfig } from '../src/node-core/node';
import { fixedHardware } from '../src/node-core/testing/fixed-hardware';
import { createStoqTransport } from '../src/node-core/transport/stoq/transport';
import { TrustChainVerifier } from '../src/node-core/trust/verifier';
import { Report, median, percentile, sized } from './report';

const MEMBERS = Number(process.env.HM_BENCH_MESH_NODES ?? sized(50, 4));
const MESH_INTERVAL_MS = Number(process.env.HM_BENCH_MESH_INTERVAL_MS ?? 1000);
/** Re-announcement of unchanged assets: the product's default (changes are announced at once regardless). */
const ANNOUNCE_INTERVAL_MS = Number(process.env.HM_BENCH_MESH_ANNOUNCE_MS ?? 60_000);
const SHARED_HOST = process.env.HM_BENCH_MESH_HOST;
const PUBLISHERS = Number(process.env.HM_BENCH_MESH_PUBLISHERS ?? sized(5, 1));
const DEBUG_LOGS = !!process.env.HM_BENCH_MESH_DEBUG_LOGS;
/** A CPU profile of the join (a .cpuprofile file for Chrome's DevTools), for the diagnosis. */
const PROFILE_JOIN = process.env.HM_BENCH_MESH_PROFILE;
const START_BATCH = 10;
const CERT_BATCH = 5;
const JOIN_BATCH = 10;
const JOIN_SPACING_MS = 1000;
const JOIN_TIMEOUT_MS = 150_000;
const STEADY_MS = sized(10_000, 2000);
const ROUND_TIMEOUT_MS = 8_000;
/** No new propagation round starts after this much run time (the whole run should stay near 4 minutes). */
const ROUNDS_DEADLINE_MS = 240_000;
const RAW_TOPIC = 'hypermesh/bench/raw/1';
const MIB = 1024 * 1024;

const started = performance.now();
const loadAtStart = loadavg()[0] ?? NaN;
const report = new Report('mesh');
const root = mkdtempSync(join(tmpdir(), 'hm-bench-mesh-'));
const clock = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const section = (title: string): void => console.log(`-- ${title} (${clock()})`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
const short = (nodeId: string): string => nodeId.slice(0, 8);

// A collectable heap for the memory figures: the flag is set before gc is looked up.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function at<T>(xs: readonly T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`index ${i} out of range (${xs.length})`);
  return x;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark sanity check failed: ${what}`);
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface Load {
  /** Share of the time the main thread (which runs every node) was busy. */
  readonly elu: number;
  /** CPU time of the whole process (all threads) per wall-clock second. */
  readonly cpuCores: number;
  readonly lagP99Ms: number;
}

function loadMeter(): { stop(): Load } {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const t = performance.now();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  return {
    stop() {
      lag.disable();
      const used = process.cpuUsage(cpu);
      return {
        elu: performance.eventLoopUtilization(elu).utilization,
        cpuCores: (used.user + used.system) / 1000 / (performance.now() - t),
        lagP99Ms: lag.percentile(99) / 1e6,
      };
    },
  };
}

function memory(): { rss: number; heap: number; external: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external + m.arrayBuffers };
}

// ---------- the nodes ----------

/**
 * Each node listens on a loopback address of its own (127.0.0.1 for the CA, 127.0.0.2… for the members), so peers
 * see one host per node as on a real network. With HM_BENCH_MESH_HOST=::1 all share one address, which trips
 * limits meant for many peers behind one IP (gossipsub's IP colocation score above 10 peers per IP, libp2p's inbound
 * connection rate limit of 5/s per host): see the notes.
 */
function hostOf(index: number): string {
  return SHARED_HOST ?? `127.0.${Math.floor((index + 1) / 256)}.${(index + 1) % 256}`;
}

let dirCount = 0;
const all: HyperMeshNode[] = [];

async function startNode(config: Partial<NodeConfig> = {}): Promise<HyperMeshNode> {
  const index = dirCount++;
  const node = createNode(
    {
      dataDir: join(root, `n${index}`),
      listen: { host: hostOf(index), port: 0 },
      timing: { mesh: { intervalMs: MESH_INTERVAL_MS, announceIntervalMs: ANNOUNCE_INTERVAL_MS } },
      ...config,
    },
    {
      hardware: fixedHardware(),
      logBook: new LogBook(DEBUG_LOGS ? { minLevel: 'debug' } : {}),
    },
  );
  all.push(node);
  await node.start();
  return node;
}

const libp2pOf = (n: HyperMeshNode): MeshLibp2p | undefined => n.mesh?.libp2p;
/** How many peers the node's gossipsub mesh holds for a topic (a method of the implementation, not the interface). */
const gossipMeshSize = (n: HyperMeshNode, topic: string): number =>
  (libp2pOf(n)?.services.pubsub as { getMeshPeers?(topic: string): string[] } | undefined)?.getMeshPeers?.(topic)
    .length ?? 0;

/**
 * What each member has learned so far, from the two events that put a node in its peer book: a libp2p connection
 * (the STOQ binding records the peer before libp2p reports it) and an accepted announcement (the validator records
 * its owner before gossipsub dispatches the message). When the tally says a member knows everyone, its peer book is
 * read through the API to confirm, timed at that event; a 1 s poll of the API catches anything the events miss.
 */
interface Tracked {
  readonly node: HyperMeshNode;
  readonly index: number;
  readonly learned: Set<string>;
  attachedTo: MeshLibp2p | undefined;
  joinedAt: number | null;
  knewAllAt: number | null;
  checking: boolean;
}

const OWNER = /"nodeId":"([^"]+)"/;
const SEQ = /"seq":(\d+)/;
const decoder = new TextDecoder();
/** The owner and seq of an announcement from the first bytes of its JSON (the body comes first). */
function peek(data: Uint8Array): { nodeId: string; seq: number } | null {
  const head = decoder.decode(data.subarray(0, 600));
  const nodeId = OWNER.exec(head)?.[1];
  const seq = SEQ.exec(head)?.[1];
  return nodeId && seq ? { nodeId, seq: Number(seq) } : null;
}

const traffic = { connects: 0, disconnects: 0, accepted: 0 };
let onMessage: ((t: Tracked, msg: Message, now: number) => void) | null = null;
const nodeOfPeerId = new Map<string, string>();
let tracked: Tracked[] = [];
let memberIds = new Set<string>();
const others = (t: Tracked): string[] => [...memberIds].filter((id) => id !== t.node.identity.nodeId);

async function confirmKnowsAll(t: Tracked, when: number): Promise<void> {
  if (t.knewAllAt !== null || t.checking || t.index === 0 || t.joinedAt === null) return;
  t.checking = true;
  try {
    const status = await t.node.api.getMeshStatus();
    const known = new Set(status.peers.map((p) => p.nodeId));
    if (others(t).every((id) => known.has(id))) t.knewAllAt = when;
  } finally {
    t.checking = false;
  }
}

function learn(t: Tracked, nodeId: string, now: number): void {
  if (t.knewAllAt !== null || nodeId === t.node.identity.nodeId || !memberIds.has(nodeId)) return;
  t.learned.add(nodeId);
  if (t.learned.size >= MEMBERS - 1) void confirmKnowsAll(t, now);
}

/** Hooks the node's current libp2p (the mesh makes a new one whenever its settings change). */
function attach(t: Tracked): void {
  const node = libp2pOf(t.node);
  if (!node || node === t.attachedTo) return;
  t.attachedTo = node;
  nodeOfPeerId.set(node.peerId.toString(), t.node.identity.nodeId);
  node.addEventListener('peer:disconnect', () => traffic.disconnects++);
  node.addEventListener('peer:connect', (evt) => {
    traffic.connects++;
    const nodeId = nodeOfPeerId.get(evt.detail.toString());
    if (nodeId) learn(t, nodeId, performance.now());
  });
  node.services.pubsub.addEventListener('message', (evt) => {
    const now = performance.now();
    const msg = evt.detail;
    if (msg.topic === ANNOUNCE_TOPIC) {
      traffic.accepted++;
      const a = peek(msg.data);
      if (a) learn(t, a.nodeId, now);
    }
    onMessage?.(t, msg, now);
  });
}

/** Bytes all nodes sent over STOQ so far. */
const stoqBytesSent = (): number => all.reduce((n, node) => n + (node.transport?.stats().totals.bytesSent ?? 0), 0);

async function countLogs(text: string): Promise<number> {
  let n = 0;
  for (const t of tracked) n += (await t.node.api.getLogs({ text, minLevel: 'debug', limit: 5000 })).length;
  return n;
}

/** What the members that do not know everyone see: peer book, connections, DHT, gossip, their own log. */
async function diagnose(): Promise<void> {
  let logged = 0;
  // The least connected first: a member left out is the likeliest cause of the others missing it.
  const connectionsOf = (t: Tracked): number => libp2pOf(t.node)?.getConnections().length ?? 0;
  const stuck = tracked
    .slice(1)
    .filter((m) => m.knewAllAt === null)
    .sort((a, b) => connectionsOf(a) - connectionsOf(b));
  for (const t of stuck.slice(0, 12)) {
    const status = await t.node.api.getMeshStatus();
    const known = new Set(status.peers.map((p) => p.nodeId));
    const missing = others(t).filter((id) => !known.has(id));
    const lib = libp2pOf(t.node);
    const connections = lib?.getConnections().length ?? 0;
    console.log(
      `  ${t.node.identity.nodeIdShort}: misses ${missing.length} (${missing.slice(0, 3).map(short).join(', ')}…), ` +
        `connections ${connections}, DHT ${status.dhtPeers}, gossip mesh ` +
        `${gossipMeshSize(t.node, ANNOUNCE_TOPIC)} of ` +
        `${lib?.services.pubsub.getSubscribers(ANNOUNCE_TOPIC).length ?? 0} subscribers, last announced ` +
        `${status.lastAnnouncedAt ?? 'never'}`,
    );
    if (logged < 1 || (connections === 0 && logged < 2)) {
      logged++;
      const lines = await t.node.api.getLogs({
        minLevel: DEBUG_LOGS ? 'debug' : 'info',
        limit: Number(process.env.HM_BENCH_MESH_DIAG_LINES ?? 8),
        text: 'mesh',
      });
      for (const e of lines) console.log(`      ${e.time} ${e.level} [${e.source}] ${e.message.slice(0, 160)}`);
    }
  }
  if (stuck.length > 12) console.log(`  … and ${stuck.length - 12} more`);
  // The bootstrap every member was told of: what it saw go wrong.
  const caStatus = await ca.api.getMeshStatus();
  console.log(
    `  CA: connections ${libp2pOf(ca)?.getConnections().length ?? 0}, DHT ${caStatus.dhtPeers}, peer book ` +
      `${caStatus.peers.length} (below the trust floor: ${caStatus.peers.filter((p) => p.trustScore < 0.1).length})`,
  );
  for (const e of await ca.api.getLogs({
    minLevel: 'warn',
    limit: Number(process.env.HM_BENCH_MESH_DIAG_LINES ?? 8),
  })) {
    console.log(`      ${e.time} ${e.level} [${e.source}] ${e.message.slice(0, 200)}`);
  }
}

// ---------- start: a CA, then the members (mesh off until they are certified) ----------

section(
  `start a CA node and ${MEMBERS} member nodes in one process (timing.mesh.intervalMs ${MESH_INTERVAL_MS}, ` +
    `${SHARED_HOST ? `all on ${SHARED_HOST}` : 'one loopback address each'}, load average ${loadAtStart.toFixed(1)})`,
);
let t0 = performance.now();
const ca = await startNode({ authority: { name: 'Bench Mesh CA' } });
const caAddress = formatHostPort(ca.transport!.address);
console.log(`  CA node ${ca.identity.nodeIdShort} at ${caAddress} in ${(performance.now() - t0).toFixed(0)} ms`);
await sleep(500);
const memBefore = memory();

t0 = performance.now();
const members: HyperMeshNode[] = [];
for (let i = 0; i < MEMBERS; i += START_BATCH) {
  const batch = await Promise.all(Array.from({ length: Math.min(START_BATCH, MEMBERS - i) }, () => startNode()));
  // At once: the mesh off until the node is certified, the CA as its only bootstrap, and no mDNS (50 nodes on one
  // host would all find each other by it). The CA address, which starts certification, comes later in batches.
  for (const n of batch) await n.api.updateSettings({ mesh: { enabled: false, bootstrap: caAddress, mdns: false } });
  members.push(...batch);
}
const startMs = performance.now() - t0;
console.log(`  ${MEMBERS} member nodes started in ${(startMs / 1000).toFixed(1)} s`);
tracked = [ca, ...members].map((node, index) => ({
  node,
  index,
  learned: new Set<string>(),
  attachedTo: undefined,
  joinedAt: index === 0 ? performance.now() : null,
  knewAllAt: null,
  checking: false,
}));
memberIds = new Set(members.map((m) => m.identity.nodeId));

section(`certify the members, ${CERT_BATCH} at a time`);
t0 = performance.now();
const certTimes: number[] = [];
for (let i = 0; i < members.length; i += CERT_BATCH) {
  const batch = members.slice(i, i + CERT_BATCH);
  const t = performance.now();
  await Promise.all(
    batch.map(async (n) => {
      await n.api.updateSettings({ trust: { caAddress } });
      await until(
        `${n.identity.nodeIdShort} to be certified`,
        async () => {
          await n.trust!.refresh().catch(() => undefined);
          return n.trust!.chain() ? true : undefined;
        },
        60_000,
      );
    }),
  );
  certTimes.push((performance.now() - t) / batch.length);
}
const certifyAllMs = performance.now() - t0;
console.log(`  all certified in ${(certifyAllMs / 1000).toFixed(1)} s`);

// What the nodes cost before the mesh is on (TrustChain, ledger, STOQ keep-alives): the floor under the join.
const IDLE_MS = sized(5_000, 1_000);
section(`idle: ${IDLE_MS / 1000} s with every node certified and the mesh off`);
await sleep(1000);
const idleMeter = loadMeter();
await sleep(IDLE_MS);
const idle = idleMeter.stop();
console.log(
  `  main thread ${(idle.elu * 100).toFixed(0)}% busy, ${((idle.cpuCores * 1000) / (MEMBERS + 1)).toFixed(1)} ms CPU ` +
    'per node per s',
);

// ---------- (1) join and discovery ----------

let safetyPolls = 0;
const poller = setInterval(() => {
  for (const t of tracked) {
    attach(t);
    if (t.knewAllAt === null && t.joinedAt !== null && t.index > 0) {
      safetyPolls++;
      void confirmKnowsAll(t, performance.now());
    }
  }
}, 1000);
let last = { at: performance.now(), elu: performance.eventLoopUtilization(), traffic: { ...traffic } };
/** Every 5 s while joining: who knows whom, how loaded the main thread is, how much churn and gossip. */
const progress = setInterval(() => {
  const now = performance.now();
  const elu = performance.eventLoopUtilization(last.elu).utilization;
  const s = (now - last.at) / 1000;
  const learned = tracked.slice(1).map((t) => t.learned.size);
  const conns = tracked.slice(1).map((t) => libp2pOf(t.node)?.getConnections().length ?? 0);
  const gossipMesh = tracked.slice(1).map((t) => gossipMeshSize(t.node, ANNOUNCE_TOPIC));
  console.log(
    `  [${clock()}] joined ${tracked.filter((t) => t.index > 0 && t.joinedAt !== null).length}, know all ` +
      `${tracked.filter((t) => t.knewAllAt !== null).length}, learned min/median/max ${Math.min(...learned)}/` +
      `${median(learned)}/${Math.max(...learned)}, connections min/median/max ${Math.min(...conns)}/${median(conns)}/` +
      `${Math.max(...conns)} (CA ${libp2pOf(ca)?.getConnections().length ?? 0}), gossip mesh median ` +
      `${median(gossipMesh)}, per s: ${((traffic.accepted - last.traffic.accepted) / s).toFixed(0)} announcements ` +
      `accepted, ${((traffic.connects - last.traffic.connects) / s).toFixed(1)} connects, ` +
      `${((traffic.disconnects - last.traffic.disconnects) / s).toFixed(1)} disconnects; main thread ` +
      `${(elu * 100).toFixed(0)}% busy`,
  );
  last = { at: now, elu: performance.eventLoopUtilization(), traffic: { ...traffic } };
}, 5_000);

section(`join: the members turn the mesh on, ${JOIN_BATCH} every ${JOIN_SPACING_MS} ms; wait until each knows all`);
const joinLoad = loadMeter();
const profiler = PROFILE_JOIN ? new Session() : null;
async function startProfile(): Promise<void> {
  if (!profiler) return;
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
async function stopProfile(what: string): Promise<void> {
  if (!profiler || !PROFILE_JOIN) return;
  const { profile } = await profiler.post('Profiler.stop');
  writeFileSync(PROFILE_JOIN.replace(/\.cpuprofile$/, `-${what}.cpuprofile`), JSON.stringify(profile));
  profiler.disconnect();
  console.log(`  CPU profile of the ${what}: ${PROFILE_JOIN}`);
}
await startProfile();
const joinStart = performance.now();
for (let i = 1; i < tracked.length; i += JOIN_BATCH) {
  for (const t of tracked.slice(i, i + JOIN_BATCH)) {
    t.joinedAt = performance.now();
    await t.node.api.updateSettings({ mesh: { enabled: true } });
  }
  if (i + JOIN_BATCH < tracked.length) await sleep(JOIN_SPACING_MS);
}
const lastJoinAt = performance.now();
const membersTracked = tracked.slice(1);
const converged = await until(
  'every member to know all others',
  () => (membersTracked.every((t) => t.knewAllAt !== null) ? true : undefined),
  JOIN_TIMEOUT_MS,
).then(
  () => true,
  () => false,
);
const joinLoadResult = joinLoad.stop();
await stopProfile('join');
clearInterval(progress);
const knowing = membersTracked.filter((t) => t.knewAllAt !== null);
console.log(`  ${knowing.length}/${MEMBERS} members know all others (${clock()}; ${safetyPolls} API polls)`);
if (!converged) await diagnose();
const memAfter = memory();

section(`steady state: ${STEADY_MS / 1000} s with nothing changing`);
await startProfile();
const steadyLoad = loadMeter();
const steadyTraffic = { ...traffic };
const bytesBefore = stoqBytesSent();
const duplicatesBefore = await countLogs('duplicate connection');
await sleep(STEADY_MS);
const steady = steadyLoad.stop();
await stopProfile('steady');
const steadyS = STEADY_MS / 1000;
const steadyAccepted = (traffic.accepted - steadyTraffic.accepted) / steadyS;
const steadyDisconnects = (traffic.disconnects - steadyTraffic.disconnects) / steadyS;
const steadyMiBps = (stoqBytesSent() - bytesBefore) / MIB / steadyS;
const steadyDuplicates = ((await countLogs('duplicate connection')) - duplicatesBefore) / steadyS;
// Announcements every ANNOUNCE_INTERVAL_MS, each accepted once by each of the other nodes.
const periodicAccepted = ((MEMBERS + 1) * MEMBERS) / (ANNOUNCE_INTERVAL_MS / 1000);

const joinFromOwn = sorted(knowing.map((t) => (t.knewAllAt as number) - (t.joinedAt as number)));
const joinFromLast = sorted(knowing.map((t) => Math.max(0, (t.knewAllAt as number) - lastJoinAt)));
report.figure('members', MEMBERS, 'nodes');
report.figure('members_knowing_all', knowing.length, 'nodes');
report.figure('node_start_ms', startMs / MEMBERS, 'ms');
report.figure('certify_ms_per_node', median(certTimes), 'ms');
report.figure('certify_all_s', certifyAllMs / 1000, 's');
const discoverAllMs = converged
  ? report.figure('discover_all_s', (Math.max(...knowing.map((t) => t.knewAllAt as number)) - joinStart) / 1000, 's') *
    1000
  : NaN;
if (knowing.length > 0) {
  report.figure('know_all_p50_ms', percentile(joinFromOwn, 50), 'ms');
  report.figure('know_all_p99_ms', percentile(joinFromOwn, 99), 'ms');
  report.figure('know_all_after_last_join_p50_ms', percentile(joinFromLast, 50), 'ms');
  report.figure('know_all_after_last_join_p99_ms', percentile(joinFromLast, 99), 'ms');
}
report.figure('idle_main_thread_busy', idle.elu, 'ratio');
report.figure('idle_cpu_ms_per_node_per_s', (idle.cpuCores * 1000) / (MEMBERS + 1), 'ms/s');
report.figure('join_main_thread_busy', joinLoadResult.elu, 'ratio');
report.figure('join_cpu_cores', joinLoadResult.cpuCores, 'cores');
report.figure('join_event_loop_lag_p99_ms', joinLoadResult.lagP99Ms, 'ms');
report.figure('steady_main_thread_busy', steady.elu, 'ratio');
report.figure('steady_cpu_ms_per_node_per_s', (steady.cpuCores * 1000) / (MEMBERS + 1), 'ms/s');
report.figure('steady_announcements_accepted_per_s', steadyAccepted, '/s');
report.figure('steady_announcements_accepted_periodic_per_s', periodicAccepted, '/s');
report.figure('steady_disconnects_per_s', steadyDisconnects, '/s');
report.figure('steady_stoq_duplicate_closes_per_s', steadyDuplicates, '/s');
report.figure('steady_stoq_sent_mib_per_s', steadyMiBps, 'MiB/s');
report.figure('rss_per_node_mib', (memAfter.rss - memBefore.rss) / MEMBERS / MIB, 'MiB');
report.figure('heap_per_node_mib', (memAfter.heap - memBefore.heap) / MEMBERS / MIB, 'MiB');
report.figure('external_per_node_mib', (memAfter.external - memBefore.external) / MEMBERS / MIB, 'MiB');
report.figure('rss_total_mib', memAfter.rss / MIB, 'MiB');
report.ratio('steady_announcements_vs_periodic', steadyAccepted / periodicAccepted);
if (!converged) {
  const alone = membersTracked.filter((t) => (libp2pOf(t.node)?.getConnections().length ?? 0) === 0).length;
  report.figure('members_without_connections', alone, 'nodes');
  report.note(
    `did not converge in ${JOIN_TIMEOUT_MS / 1000} s: ${knowing.length} of ${MEMBERS} members knew all others, ` +
      `${alone} had no libp2p connection at the end; the main thread (every node's crypto, STOQ and libp2p) was ` +
      `${(joinLoadResult.elu * 100).toFixed(0)}% busy during the join (event-loop lag p99 ` +
      `${joinLoadResult.lagP99Ms.toFixed(0)} ms) and ${steadyDisconnects.toFixed(1)} peers/s disconnected after it`,
  );
}

// ---------- (4) baseline: 50 plain STOQ dials ----------

section(`baseline: one fresh STOQ endpoint dials all ${MEMBERS} members at once`);
mkdirSync(join(root, 'prober'));
// Like a member, the prober checks each member's TrustChain chain against the CA's federation (it presents a
// self-signed certificate itself, which STOQ admits for a handshake).
const proberVerifier = new TrustChainVerifier();
proberVerifier.setFederation(ca.trust!.federation);
const prober = createStoqTransport({
  host: hostOf(dirCount++),
  port: 0,
  identity: loadOrCreateIdentity(join(root, 'prober')),
  log: new LogBook().logger('prober'),
  verifier: proberVerifier,
});
await prober.start();
const dialTimes: number[] = [];
t0 = performance.now();
const dials = await Promise.allSettled(
  members.map(async (m) => {
    const t = performance.now();
    const link = await prober.dial(m.transport!.address, m.identity.nodeId, AbortSignal.timeout(30_000));
    check(link.peer.nodeId === m.identity.nodeId, 'the dialled member answered');
    dialTimes.push(performance.now() - t);
  }),
);
const dialAllMs = report.figure('stoq_dial_all_ms', performance.now() - t0, 'ms');
report.figure('stoq_dial_p50_ms', percentile(sorted(dialTimes), 50), 'ms');
const failedDials = dials.filter((d) => d.status === 'rejected').length;
if (failedDials > 0) report.note(`${failedDials} of the ${MEMBERS} baseline STOQ dials failed`);
await prober.stop();
if (converged) report.ratio('discover_all_vs_stoq_dial_all', discoverAllMs / dialAllMs);

// ---------- (2) announcement propagation vs plain gossip ----------

interface Round {
  readonly from: number;
  readonly times: Map<number, number>;
}

/** Waits until every node but the publisher recorded a time, or the round times out; gives ms per receiver. */
async function collect(round: Round, what: string): Promise<number[]> {
  const expected = tracked.length - 1;
  await until(what, () => (round.times.size >= expected ? true : undefined), ROUND_TIMEOUT_MS).catch(() =>
    console.log(`  ${what}: ${round.times.size}/${expected} nodes after ${ROUND_TIMEOUT_MS} ms`),
  );
  return [...round.times.values()].map((t) => t - round.from);
}

let rawSeq = 0;
/** A plain message on the test topic (no validator): the time until each other node's message event. */
async function rawRound(publisher: Tracked, bytes: number): Promise<number[]> {
  const tag = `bench-raw-${rawSeq++}-`;
  const data = new Uint8Array(Math.max(bytes, tag.length + 8)).fill(0x2e);
  data.set(new TextEncoder().encode(tag));
  const times = new Map<number, number>();
  onMessage = (t, msg, now) => {
    if (msg.topic !== RAW_TOPIC || times.has(t.index) || t === publisher) return;
    if (decoder.decode(msg.data.subarray(0, tag.length)) === tag) times.set(t.index, now);
  };
  const from = performance.now();
  await libp2pOf(publisher.node)!.services.pubsub.publish(RAW_TOPIC, data);
  const out = await collect({ from, times }, `plain gossip, ${bytes} B from ${publisher.node.identity.nodeIdShort}`);
  onMessage = null;
  return out;
}

interface AnnounceResult {
  readonly fromSign: number[];
  readonly fromPublish: number[];
  readonly fromSettled: number[];
  readonly bytes: number;
  readonly signMs: number;
}

/**
 * Makes `publisher` share CPU publicly and times its announcement to every other node. Hooks on the publisher's
 * own instances only (product code untouched) say when the announcement carrying the asset was signed and when it
 * was handed to gossipsub, by its seq; a receiver's time is its gossipsub message event (after the validator
 * accepted and stored it) at which its search shows the asset.
 */
async function announceRound(publisher: Tracked): Promise<AnnounceResult> {
  const p = publisher.node;
  const ownerId = p.identity.nodeId;
  const identity = p.identity;
  const pubsub = libp2pOf(p)!.services.pubsub;
  const signedAt = new Map<number, { start: number; ms: number }>();
  const publishedAt = new Map<number, { at: number; bytes: number }>();
  const sign = identity.sign.bind(identity);
  identity.sign = (message: Uint8Array): Uint8Array => {
    const start = performance.now();
    const signature = sign(message);
    if (decoder.decode(message.subarray(0, 40)).startsWith('hypermesh/mesh/announcement/')) {
      const seq = SEQ.exec(decoder.decode(message))?.[1];
      if (seq) signedAt.set(Number(seq), { start, ms: performance.now() - start });
    }
    return signature;
  };
  const publish = pubsub.publish.bind(pubsub);
  pubsub.publish = (topic: string, data?: Uint8Array) => {
    const a = topic === ANNOUNCE_TOPIC && data ? peek(data) : null;
    if (a && data) publishedAt.set(a.seq, { at: performance.now(), bytes: data.length });
    return publish(topic, data);
  };
  const times = new Map<number, number>();
  const seqOf = new Map<number, number>();
  onMessage = (t, msg, now) => {
    if (msg.topic !== ANNOUNCE_TOPIC || times.has(t.index) || t === publisher) return;
    const a = peek(msg.data);
    if (a?.nodeId !== ownerId) return;
    if (t.node.mesh!.search({}).some((h) => h.owner === ownerId)) {
      times.set(t.index, now);
      seqOf.set(t.index, a.seq);
    }
  };
  try {
    await p.assets!.ready;
    await p.api.updateSettings({ privacyLevel: 'FullPublic', allocationType: 'Public', allocation: { cpu: 25 } });
    await p.assets!.settled();
    const settledAt = performance.now();
    await collect({ from: settledAt, times }, `announcement of ${p.identity.nodeIdShort}`);
    // Every receiver's search through the API shows the asset.
    for (const t of tracked) {
      if (times.has(t.index)) {
        const hits = await t.node.api.searchAssets({});
        check(
          hits.some((h) => h.owner === ownerId),
          'searchAssets shows the announced asset',
        );
      }
    }
    const result: AnnounceResult = { fromSign: [], fromPublish: [], fromSettled: [], bytes: 0, signMs: NaN };
    let { bytes, signMs } = result;
    for (const [index, receivedAt] of times) {
      const seq = seqOf.get(index) as number;
      const signed = signedAt.get(seq);
      const published = publishedAt.get(seq);
      result.fromSettled.push(receivedAt - settledAt);
      if (signed) {
        result.fromSign.push(receivedAt - signed.start);
        signMs = signed.ms;
      }
      if (published) {
        result.fromPublish.push(receivedAt - published.at);
        bytes = published.bytes;
      }
    }
    const seqs = new Set(seqOf.values()).size;
    if (seqs > 1) console.log(`  the receivers got the asset from ${seqs} different announcements`);
    return { ...result, bytes, signMs };
  } finally {
    onMessage = null;
    identity.sign = sign;
    pubsub.publish = publish;
  }
}

const series = {
  announce: [] as number[],
  announcePublish: [] as number[],
  announceSettled: [] as number[],
  rawSmall: [] as number[],
  rawSized: [] as number[],
  signMs: [] as number[],
  bytes: [] as number[],
};
let gossip: Load | null = null;
if (converged) {
  section('gossip: every node subscribes to a plain test topic; the topic mesh forms');
  for (const t of tracked) {
    attach(t);
    libp2pOf(t.node)?.services.pubsub.subscribe(RAW_TOPIC);
  }
  await until(
    'every node to have gossip mesh peers on the test topic',
    () => (tracked.every((t) => gossipMeshSize(t.node, RAW_TOPIC) > 0) ? true : undefined),
    20_000,
  ).catch((err: unknown) => console.log(`  ${(err as Error).message}`));
  await sleep(2000);

  section(`announcement propagation: up to ${PUBLISHERS} publishers, each between plain gossip rounds`);
  const gossipLoad = loadMeter();
  const step = Math.max(1, Math.floor(MEMBERS / PUBLISHERS));
  for (let r = 0; r < PUBLISHERS && performance.now() - started < ROUNDS_DEADLINE_MS; r++) {
    const publisher = at(tracked, 1 + ((r * step) % MEMBERS));
    // Interleaved, so drift hits all alike: a small plain message, the announcement, a plain one of its size.
    const small = await rawRound(publisher, 64);
    await sleep(300);
    const a = await announceRound(publisher);
    await sleep(300);
    const sized = await rawRound(publisher, a.bytes || 30_000);
    series.rawSmall.push(...small);
    series.rawSized.push(...sized);
    series.announce.push(...a.fromSign);
    series.announcePublish.push(...a.fromPublish);
    series.announceSettled.push(...a.fromSettled);
    series.signMs.push(a.signMs);
    series.bytes.push(a.bytes);
    const p50max = (xs: number[]): string =>
      xs.length === 0 ? 'none arrived' : `${median(xs).toFixed(0)}/${Math.max(...xs).toFixed(0)}`;
    console.log(
      `  round ${r + 1}: ${publisher.node.identity.nodeIdShort}, ${a.bytes} B announcement; p50/max ms: announcement ` +
        `${p50max(a.fromSign)} (${a.fromSign.length} nodes), plain 64 B ${p50max(small)}, plain ${a.bytes} B ` +
        `${p50max(sized)}`,
    );
    await sleep(300);
  }
  gossip = gossipLoad.stop();
}
clearInterval(poller);

if (gossip && series.announce.length > 0) {
  const s = {
    announce: sorted(series.announce),
    publish: sorted(series.announcePublish),
    settled: sorted(series.announceSettled),
    small: sorted(series.rawSmall),
    sized: sorted(series.rawSized),
  };
  const announceP50 = report.figure('announce_p50_ms', percentile(s.announce, 50), 'ms');
  report.figure('announce_p99_ms', percentile(s.announce, 99), 'ms');
  const publishP50 = report.figure('announce_from_publish_p50_ms', percentile(s.publish, 50), 'ms');
  report.figure('announce_from_publish_p99_ms', percentile(s.publish, 99), 'ms');
  report.figure('announce_from_settled_p50_ms', percentile(s.settled, 50), 'ms');
  report.figure('announce_from_settled_p99_ms', percentile(s.settled, 99), 'ms');
  report.figure('announce_sign_ms', median(series.signMs), 'ms');
  report.figure('announce_bytes', median(series.bytes), 'B');
  const rawP50 = report.figure('raw_gossip_p50_ms', percentile(s.small, 50), 'ms');
  report.figure('raw_gossip_p99_ms', percentile(s.small, 99), 'ms');
  const sizedP50 = report.figure('raw_gossip_sized_p50_ms', percentile(s.sized, 50), 'ms');
  report.figure('raw_gossip_sized_p99_ms', percentile(s.sized, 99), 'ms');
  report.figure('announce_deliveries', s.announce.length, 'deliveries');
  report.figure('gossip_main_thread_busy', gossip.elu, 'ratio');
  report.figure('gossip_cpu_cores', gossip.cpuCores, 'cores');
  report.ratio('announce_p50_vs_raw_gossip_p50', announceP50 / rawP50);
  report.ratio('announce_p50_vs_raw_gossip_sized_p50', announceP50 / sizedP50);
  report.ratio('announce_from_publish_p50_vs_raw_gossip_sized_p50', publishP50 / sizedP50);
} else {
  report.note('announcement propagation not measured: the mesh did not converge (see the figures above)');
}

report.note(
  `one process, ${process.platform}, ${MEMBERS} members + a CA, each a real Node (createNode, fixedHardware, own ` +
    `data dir and SQLite, STOQ on ${SHARED_HOST ?? 'a loopback address of its own (127.0.0.x)'}), timing.mesh.intervalMs ` +
    `${MESH_INTERVAL_MS} (announcements every ${ANNOUNCE_INTERVAL_MS / 1000} s and on change); started ` +
    `${START_BATCH} at a time, certified ${CERT_BATCH} at a time with the mesh off, then joined ${JOIN_BATCH} ` +
    `every ${JOIN_SPACING_MS} ms with the CA as the only bootstrap; load average at the start ` +
    `${loadAtStart.toFixed(1)} (a shared machine: CPU-bound figures drift, ratios hold)`,
);
report.note(
  `know_all_*: from a member turning its mesh on until api.getMeshStatus().peers holds the ${MEMBERS - 1} other ` +
    'members (the CA not required), timed at the libp2p event (connection or accepted announcement) that completed ' +
    'it and confirmed through the API; *_after_last_join: from the last member turning its mesh on; discover_all_s: ' +
    'from the first member turning its mesh on until all know all',
);
report.note(
  'steady_*: 10 s after the join with nothing changing; steady_announcements_accepted_periodic_per_s is what the ' +
    'interval alone would give ((N+1)·N per announcement interval); disconnects are libp2p peer:disconnect events; ' +
    "STOQ duplicate closes count the transport's 'duplicate connection' log lines",
);
report.note(
  'announce_*: from the start of the ML-DSA signature of the announcement carrying the asset (hooked on the ' +
    "publisher's identity) to each other node's gossipsub message event (all members but the publisher, and the " +
    'CA), which fires after the validator accepted and stored it, when mesh.search() shows the asset (and ' +
    'api.searchAssets checked after); _from_publish: from pubsub.publish; _from_settled: from assets.settled(), ' +
    'so including the wait for the next maintenance tick, which is what announces a change',
);
report.note(
  'raw_gossip_*: the same publisher and libp2p nodes, a plain unsigned message on a test topic with no validator ' +
    '(64 B, and _sized: the size of the announcement), interleaved with the announcement rounds; one clock (one ' +
    'process); every delivery is a sample; announce vs raw_gossip_sized isolates signing, the chain and signature ' +
    'checks and the SQLite writes of the validator',
);
report.note(
  'stoq_dial_all_ms: a fresh STOQ endpoint (self-signed, checking TrustChain chains like a member) dials the ' +
    `members all at once; memory: RSS / heap / external after gc, after the join minus before the members started, ` +
    `/ ${MEMBERS}`,
);
report.note(`total run time ${((performance.now() - started) / 1000).toFixed(1)} s`);
report.write();

section('stop every node');
t0 = performance.now();
for (let i = 0; i < all.length; i += 10) await Promise.all(all.slice(i, i + 10).map((n) => n.stop()));
console.log(`  stopped in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
rmSync(root, { recursive: true, force: true });
// Every node is stopped. What can still hold the event loop: the shared consensus worker pool (a MessagePort per
// worker: they are unref()ed before their 'message' listener is added, which refs them again, and the pool is
// shared, so no node closes it; for good), and the QUIC timers of STOQ connections still draining after their
// endpoint closed its socket (for a few seconds). Say what, and end.
setTimeout(() => {
  const open = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) open.set(r, (open.get(r) ?? 0) + 1);
  console.log(`  still open 2 s after stop: ${[...open].map(([r, n]) => `${n} ${r}`).join(', ')}; exiting`);
  process.exit(0);
}, 2_000).unref();
