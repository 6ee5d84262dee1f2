import { loadOrCreateIdentity, type NodeIdentity } from '../../identity/identity';
import { LogBook } from '../../logging/log-book';
import { StoqEndpoint, type EndpointOptions } from './endpoint';
import { createSelfSignedNodeCertificate, createSelfSignedVerifier } from './node-certificate';

/** An endpoint on [::1] with a fresh identity in `dir`, for tests and benchmarks. */
export async function loopbackEndpoint(
  dir: string,
  extra: Partial<EndpointOptions> = {},
): Promise<{ endpoint: StoqEndpoint; identity: NodeIdentity; logs: LogBook }> {
  const identity = loadOrCreateIdentity(dir);
  const logs = new LogBook({ minLevel: 'debug' });
  const endpoint = await StoqEndpoint.listen({
    host: '::1',
    port: 0,
    certificate: await createSelfSignedNodeCertificate(identity),
    verifier: createSelfSignedVerifier(),
    log: logs.logger('stoq'),
    ...extra,
  });
  return { endpoint, identity, logs };
}
