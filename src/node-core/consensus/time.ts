import { hash, sameBytes } from '../crypto';
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { sthSigningInput, verifyHeadSignature, type SignedTreeHead } from '../trust/index';
import { fail } from './errors';
import type { TimeParams } from './params';
import { DOMAIN, iterateSha256 } from './primitives';
import type { Beacon, TimeProof } from './types';

/**
 * PoTime (when): a sequential SHA-256 chain from a seed that binds the beacon (and the subject), with checkpoints
 * so a verifier re-runs only a few random segments; plus clock rules on the signed timestamp.
 */

/**
 * Re-runs the segments of the chain the verifier picks (`randomBytes` is its own randomness), or the whole chain
 * when it is short. Throws ConsensusError('time.chain').
 */
export function verifyTimeChain(
  seed: Uint8Array,
  time: Pick<TimeProof, 'steps' | 'checkpointInterval' | 'checkpoints'>,
  params: Pick<TimeParams, 'segmentsChecked' | 'fullRerunMaxSteps'>,
  randomBytes: (n: number) => Uint8Array = nodeRandomBytes,
): void {
  const { steps, checkpointInterval: interval, checkpoints } = time;
  const count = steps / interval;
  if (!Number.isInteger(count) || checkpoints.length !== count) {
    fail('time.chain', `${checkpoints.length} checkpoints for ${steps} steps every ${interval}`);
  }
  const start = (i: number): Uint8Array => (i === 0 ? seed : (checkpoints[i - 1] as Uint8Array));
  let segments: number[];
  if (steps <= params.fullRerunMaxSteps || params.segmentsChecked >= count) {
    segments = [...Array(count).keys()];
  } else {
    const picked = new Set<number>();
    const r = Buffer.from(randomBytes(6 * params.segmentsChecked));
    for (let j = 0; j < params.segmentsChecked; j++) picked.add(r.readUIntBE(6 * j, 6) % count);
    segments = [...picked];
  }
  for (const i of segments) {
    if (!sameBytes(iterateSha256(start(i), interval), checkpoints[i] as Uint8Array)) {
      fail('time.chain', `segment ${i} of the sequential chain is wrong`);
    }
  }
}

/**
 * The clock rules, by the verifier's clock `now`: the timestamp is not before the beacon (nor too long after it),
 * not older than maxAgeMs, and not more than maxClockSkewMs ahead.
 */
export function checkTimestamp(
  timestamp: number,
  beacon: Beacon,
  now: number,
  params: Pick<TimeParams, 'maxClockSkewMs' | 'maxAgeMs' | 'maxBeaconAgeMs'>,
): void {
  if (timestamp < beacon.timestamp) {
    fail('time.backdated', `the proof claims ${timestamp}, before its beacon (${beacon.timestamp})`);
  }
  if (timestamp - beacon.timestamp > params.maxBeaconAgeMs) {
    fail('time.backdated', `the beacon is ${timestamp - beacon.timestamp} ms older than the proof`);
  }
  if (timestamp - now > params.maxClockSkewMs) {
    fail('time.skew', `the proof is ${timestamp - now} ms ahead of this clock`);
  }
  if (now - timestamp > params.maxAgeMs) fail('time.expired', `the proof is ${now - timestamp} ms old`);
}

/** A CA-signed CT tree head as a beacon: its digest covers the signed fields and the (unpredictable) signature. */
export function beaconFromTreeHead(head: SignedTreeHead): Beacon {
  return {
    kind: 'ct-head',
    id: `${Buffer.from(head.logId).toString('hex')}:${head.treeSize}`,
    timestamp: head.timestamp,
    digest: hash(DOMAIN.beacon, sthSigningInput(head), head.signature),
  };
}

/**
 * A `checkBeacon` for the verification context: accepts a ct-head beacon when it is exactly the beacon of one of
 * `heads` whose signature `verifyHead` accepts (the caller knows the log keys and which heads it has seen).
 */
export function ctHeadBeaconChecker(
  heads: (id: string) => SignedTreeHead | undefined,
  verifyHead: (head: SignedTreeHead, message: Uint8Array, signature: Uint8Array) => boolean,
): (beacon: Beacon) => boolean {
  return (beacon) => {
    if (beacon.kind !== 'ct-head') return false;
    const head = heads(beacon.id);
    if (!head) return false;
    const expected = beaconFromTreeHead(head);
    return (
      expected.timestamp === beacon.timestamp &&
      sameBytes(expected.digest, beacon.digest) &&
      verifyHeadSignature(head, (m, s) => verifyHead(head, m, s))
    );
  };
}
