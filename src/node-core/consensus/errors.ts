import { ErrorCode } from '../../shared/errors';
import { reasonedError } from '../errors';

/**
 * Why a consensus proof was rejected. Stable strings: callers (and peers, in replies) may switch on them. The part
 * comes first: `space.*` (where), `stake.*` (who), `work.*` (what/how), `time.*` (when); `encoding`, `params` and
 * `replay` concern the proof as a whole.
 */
export type ConsensusFailure =
  /** The bytes or JSON do not parse, or a field is out of range. */
  | 'encoding'
  /** Built with other parameters than the verifier requires (sector count, difficulty, chain length, ...). */
  | 'params'
  /** Bound to another subject: asset id, operation or counterparty differ from what the verifier expects. */
  | 'replay'
  /** A challenged sector, its hash or its Merkle path does not match the committed root. */
  | 'space.commitment'
  /** An interactive challenge was answered after its deadline. */
  | 'space.late'
  /** The challenge answered is not the one issued. */
  | 'space.challenge'
  /** The certificate chain does not verify, or names another node. */
  | 'stake.certificate'
  /** The ML-DSA-65 signature over the proof does not hold. */
  | 'stake.signature'
  /** The ledger has no stake for the node, or a different one than the proof claims. */
  | 'stake.record'
  /** The stake is below the minimum. */
  | 'stake.insufficient'
  /** The stake is not locked long enough. */
  | 'stake.unlocked'
  /** The memory-hard puzzle's output does not have the required leading zero bits. */
  | 'work.puzzle'
  /** A re-run job chunk does not match the committed result, or its opening does not verify. */
  | 'work.spot-check'
  /** The beacon is unknown to the verifier (or forged). */
  | 'time.beacon'
  /** A checked segment of the sequential hash chain is wrong. */
  | 'time.chain'
  /** The signed timestamp is before the beacon, or too long after it. */
  | 'time.backdated'
  /** The proof is older than the maximum age. */
  | 'time.expired'
  /** The signed timestamp is ahead of the verifier's clock by more than the allowed skew. */
  | 'time.skew';

/** A consensus proof (or one of its parts) that does not hold; `reason` says which check failed. */
export class ConsensusError extends reasonedError<ConsensusFailure>(ErrorCode.Trust) {}

export function fail(reason: ConsensusFailure, message: string): never {
  throw new ConsensusError(reason, message);
}
