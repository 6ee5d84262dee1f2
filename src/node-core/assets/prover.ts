import {
  DEFAULT_CONSENSUS_PARAMS,
  beaconFromTreeHead,
  createConsensusProof,
  ctHeadBeaconChecker,
  parseAmount,
  verifyConsensusProof,
  type ConsensusCompute,
  type ConsensusProof,
  type ConsensusSubject,
  type StakeRecord,
  type VerifiedConsensusProof,
} from '../consensus';
import { verifyNow } from '../crypto';
import type { NodeIdentity } from '../identity/index';
import type { Db } from '../store/index';
import type { SignedTreeHead } from '../trust/index';
import { headToJson } from '../trust/index';
import type { TrustClient } from '../trust/index';
import type { AssetAdapter } from './adapter';
import type { StakeReader } from './ledger-link';

/**
 * The registry's four-part proofs: this node's (its certificate, its stake, the freshest beacon it knows) and
 * checking any node's, with the stake the ledger holds or a provisional one (docs/assets.md).
 */

const PROVISIONAL_STAKE_KEY = 'assets.provisional_stake';
const PROVISIONAL_LEDGER_REF = 'local-store:provisional';

export interface AssetProverOptions {
  readonly db: Db;
  readonly identity: NodeIdentity;
  /** Where proofs get the node's certificate and a beacon from; absent on a node without a peer transport. */
  readonly trust: TrustClient | undefined;
  /** The node's STOQ address, signed into PoSpace as its location. */
  readonly location: () => string;
  readonly compute: ConsensusCompute;
  readonly now: () => number;
  /** The adapters (the CPU and memory totals are the capacity PoWork declares). */
  readonly hardware: () => readonly AssetAdapter[];
}

export class AssetProver {
  /** The Caesar ledger once it runs (PoStake uses its stake records over the provisional one). */
  ledger: StakeReader | undefined;

  constructor(private readonly options: AssetProverOptions) {}

  private now(): number {
    return this.options.now();
  }

  /**
   * Verifies any node's proof for `subject`. Stake: a record on the Caesar ledger (this node's copy of it), or a
   * provisional one a node declares before it has locked stake, taken from its signed proof (so PoStake then checks
   * the signature, the certificate and the declared lock, not a balance). docs/assets.md says so.
   */
  verify(
    proof: ConsensusProof,
    subject: ConsensusSubject,
    /** A tree head the prover sent along as its beacon (checked against the federation's CA keys here). */
    presented?: SignedTreeHead,
  ): VerifiedConsensusProof {
    const trust = this.options.trust;
    if (!trust) throw new Error('no TrustChain client to check the certificate');
    return verifyConsensusProof(proof, {
      subject,
      now: this.now(),
      verifyCertificate: (chain) => {
        const v = trust.verifyChain(chain);
        return { nodeId: v.nodeId, mldsaPublicKey: v.mldsaPublicKey };
      },
      stakeOf: (nodeId) =>
        nodeId === this.options.identity.nodeId
          ? this.stakeRecord()
          : proof.stake.record.ledgerRef === PROVISIONAL_LEDGER_REF && proof.stake.record.nodeId === nodeId
            ? proof.stake.record
            : this.ledger?.stakeRecord(nodeId),
      checkBeacon: ctHeadBeaconChecker(
        (id) => {
          const [logHex, size] = id.split(':');
          if (
            presented &&
            Buffer.from(presented.logId).toString('hex') === logHex &&
            presented.treeSize === Number(size)
          )
            return presented;
          return trust.knownHead(logHex ?? '', Number(size))?.head;
        },
        // Signed by the key of the federation CA whose log it is: a head nobody can forge.
        (head, message, signature) => {
          const ca = trust.caOfLog(head.logId);
          return ca !== undefined && verifyNow('ml-dsa-65', signature, message, ca.mldsaPublicKey);
        },
      ),
    });
  }

  /**
   * The node's stake: what it has locked on the Caesar ledger, or until it has locked enough, a provisional record in
   * the store at the minimum the consensus rules ask for (peers take that one as declared; docs/assets.md).
   */
  stakeRecord(): StakeRecord {
    // Stake locked on the ledger, while it is enough and locked long enough, is what PoStake shows.
    const staked = this.ledger?.stakeRecord(this.options.identity.nodeId);
    const params = DEFAULT_CONSENSUS_PARAMS.stake;
    if (
      staked &&
      (parseAmount(staked.amount) ?? 0n) >= (parseAmount(params.minimum) ?? 0n) &&
      staked.lockedUntil > this.now() + params.minLockMs
    ) {
      return staked;
    }
    const row = this.options.db.prepare('SELECT value FROM meta WHERE key = ?').get(PROVISIONAL_STAKE_KEY) as
      { value: string } | undefined;
    if (row) {
      const parsed = JSON.parse(row.value) as StakeRecord;
      if (parsed.lockedUntil > this.now() + DEFAULT_CONSENSUS_PARAMS.stake.minLockMs) return parsed;
    }
    const record: StakeRecord = {
      nodeId: this.options.identity.nodeId,
      amount: DEFAULT_CONSENSUS_PARAMS.stake.minimum,
      lockedUntil: this.now() + 30 * 86_400_000,
      ledgerRef: PROVISIONAL_LEDGER_REF,
    };
    this.options.db
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(PROVISIONAL_STAKE_KEY, JSON.stringify(record));
    return record;
  }

  /** The signed head this node's proofs start from, sent along so peers that have not seen it can check it. */
  beaconJson(): unknown {
    const beacon = this.options.trust?.beacon();
    return beacon ? headToJson(beacon.head) : null;
  }

  /** A consensus proof by this node for `subject` (its certificate, stake and the freshest beacon it knows). */
  async prove(subject: ConsensusSubject): Promise<ConsensusProof> {
    const trust = this.options.trust;
    const chain = trust?.chain();
    const beacon = trust?.beacon();
    if (!trust || !chain || !beacon) {
      throw new Error('waiting for a TrustChain certificate: PoStake carries it and PoTime starts from its CA log');
    }
    const hw = this.options.hardware();
    const cores = hw.find((a) => a.kind === 'cpu')?.describe().total ?? 1;
    const memoryBytes = hw.find((a) => a.kind === 'memory')?.describe().total ?? 0;
    return createConsensusProof(
      {
        subject,
        location: this.options.location(),
        capacity: { cpuCores: Math.max(1, cores), memoryMiB: Math.max(1, Math.floor(memoryBytes / 2 ** 20)) },
        beacon: beaconFromTreeHead(beacon.head),
        certificateChain: chain,
        stake: this.stakeRecord(),
      },
      this.options.identity,
      { compute: this.options.compute, now: this.options.now },
    );
  }
}
