import { join } from 'node:path';
import { formatHostPort } from '../shared/network';
import { bandwidthCapBitsPerSec } from '../shared/privacy';
import { DEFAULT_DECLARED_LINK_MBPS } from './assets/index';
import { createPqWorkerPool } from './crypto';
import type { Logger } from './logging/index';
import type { NodeComponent, NodeComponents, NodeContext } from './node-components';
import { applyNetworkSettings, governed } from './node-components-sharing';
import { addIssueOnce, splitViewIssue } from './node-state';
import { PeerRepository } from './store/index';
import { createStoqTransport, type Transport } from './transport/index';
import {
  CaService,
  loadOrCreateCa,
  OPEN_TRUST_METHODS,
  remoteCosigner,
  TrustChainVerifier,
  TrustClient,
  TrustStateRepository,
} from './trust/index';

// The peer transport (STOQ, with config.listen only) and TrustChain on it: the parts every peer service runs on.

/** STOQ for peers; a failure to start fails the node (CLI) or is a health warning (desktop app, transportRequired). */
export const transportComponent: NodeComponent = {
  name: 'transport',
  start: async (c, node) => {
    const listen = node.config.listen;
    if (!listen) return;
    const settings = node.settings();
    const verifier = new TrustChainVerifier();
    const transport = createStoqTransport({
      verifier,
      host: listen.host,
      port: listen.port,
      identity: node.identity,
      log: node.logBook.logger('stoq'),
      pinnedTier: settings.network.tier === 'auto' ? null : settings.network.tier,
      bandwidthCapBitsPerSec: bandwidthCapBitsPerSec(governed(c, settings), null),
      dualStack: settings.network.ipv4,
      addressBook: new PeerRepository(node.db),
    });
    try {
      await transport.start();
    } catch (err) {
      if (node.config.transportRequired !== false) throw err;
      node.warnHealth('TRANSPORT_UNAVAILABLE', `Peers cannot reach this node: ${(err as Error).message}`);
      return;
    }
    c.transport = transport;
    c.verifier = verifier;
    // Peers without a TrustChain certificate may only reach what they need to get one (and the path probes).
    transport.router.guard = (method, peer) => {
      if (peer.kind === 'trustchain' || OPEN_TRUST_METHODS.has(method) || method.startsWith('stoq.')) return null;
      if (node.settings().trust.acceptSelfSignedPeers) return null;
      return `${method} needs a TrustChain certificate; this peer presented ${peer.kind ?? 'self-signed'} credentials`;
    };
    // The link speed, for the bandwidth share, comes with the first hardware reading.
    node.hardwareInfo().then(
      (hw) => {
        // Where the OS reports no link speed, the share is of the speed the bandwidth asset declares (100 Mbit/s).
        c.linkMbps = hw.network.linkMbps ?? DEFAULT_DECLARED_LINK_MBPS;
        applyNetworkSettings(c, node.settings());
      },
      () => undefined,
    );
  },
  // Out of the bag first: node.transport reads undefined from the moment the transport stops.
  stop: async (c) => {
    const transport = c.transport;
    c.transport = undefined;
    await transport?.stop();
  },
};

/** TrustChain on the transport: the CA first when this node runs one, then the client, which certifies the node. */
export const trustComponent: NodeComponent = {
  name: 'TrustChain',
  start: async (c, node) => {
    const { transport, verifier } = c;
    if (!transport || !verifier) return;
    const log = node.logBook.logger('trust');
    if (node.config.authority) await startAuthority(c, node, { transport, verifier, log });
    const trust = new TrustClient({
      identity: node.identity,
      state: new TrustStateRepository(node.db),
      log,
      certDir: join(node.config.dataDir, 'certs'),
      transport,
      verifier,
      settings: () => ({ trust: node.settings().trust, ipv4: node.settings().network.ipv4 }),
      ...(c.authority ? { authority: c.authority } : {}),
      refreshMs: node.timing.trust.refreshMs,
      onSplitView: (err) => {
        const added = addIssueOnce(node.health, splitViewIssue(err));
        if (added && node.running()) node.events.emit('status', node.status());
      },
    });
    c.trust = trust;
    // A CA node certifies itself before it serves anyone; others certify in the background.
    if (c.authority) await trust.refresh();
    trust.start();
  },
  stop: async (c) => {
    c.authority?.stopHeadRefresh();
    await c.trust?.stop();
    await c.pqSigner?.close();
  },
};

/** This node's CA (config.authority): its keys in DATA/trust, issuing and co-signing for peers. */
async function startAuthority(
  c: NodeComponents,
  node: NodeContext,
  on: { transport: Transport; verifier: TrustChainVerifier; log: Logger },
): Promise<void> {
  const config = node.config.authority;
  if (!config) return;
  const ca = await loadOrCreateCa(join(node.config.dataDir, 'trust'), config.name, on.log);
  c.pqSigner = createPqWorkerPool();
  const authority = new CaService({
    db: node.db,
    ca,
    signer: c.pqSigner,
    log: on.log.child('ca'),
    nodeId: node.identity.nodeId,
    address: config.advertise ?? formatHostPort(on.transport.address),
    requestCosignatures: remoteCosigner(on.transport),
    isDistrusted: (caId) => on.verifier.distrusted.has(caId),
    ...(config.limits ? { limits: config.limits } : {}),
    ...(config.certificateValidityMs === undefined ? {} : { validityMs: config.certificateValidityMs }),
  });
  c.authority = authority;
  await authority.init();
  authority.startHeadRefresh();
  authority.serve(on.transport.router);
}
