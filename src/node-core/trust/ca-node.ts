import { TrustError } from './errors';
import type { TrustedCa } from './federation';
import { verifyNow } from '../crypto';
import { caNodeSigningInput, type BundleReply } from './protocol';

/**
 * The bundle's statement, signed by the CA's post-quantum key, must name this CA and the STOQ node the bundle came
 * from: any other node (even a certified one) relaying a CA's bundle is refused before its federation is pinned.
 */
export function checkCaNode(bundle: BundleReply, ca: TrustedCa, peerNodeId: string): void {
  const { signature, ...unsigned } = bundle.node;
  if (unsigned.caId !== ca.caId) throw new TrustError(`the CA's node statement is for CA ${unsigned.caId}`);
  if (!verifyNow('ml-dsa-65', Buffer.from(signature, 'base64'), caNodeSigningInput(unsigned), ca.mldsaPublicKey))
    throw new TrustError(`the node statement of ${ca.name} has an invalid signature`);
  if (unsigned.nodeId !== peerNodeId) {
    throw new TrustError(
      `the CA's node statement names node ${unsigned.nodeId}, but the bundle came from ${peerNodeId}: not the CA's node`,
    );
  }
}
