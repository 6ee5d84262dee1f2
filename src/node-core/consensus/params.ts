import { fail } from './errors';

/**
 * Every parameter of the consensus proof, in one place. The defaults aim at: creating a proof costs a fraction of a
 * second of (mostly off-main-thread) work, verifying one costs a few milliseconds — of which one ML-DSA-65
 * verification (~3 ms in pure JS) is the largest share. `npm run bench -- consensus` measures both.
 *
 * A verifier only accepts proofs made with exactly its own parameters (work difficulty derived from the declared
 * capacity), so a prover can neither cheapen its proof nor make the verifier do more work than it chose to.
 */

/** PoSpace (where): the storage commitment and its challenges. */
export interface SpaceParams {
  /** Sectors in the commitment (Merkle leaves). Default 1024. */
  readonly sectorCount: number;
  /** Bytes per sector. Default 4096 (so the default commitment is 4 MiB). */
  readonly sectorSize: number;
  /**
   * Sectors opened per proof or live challenge. A prover holding a fraction f of the sectors passes with
   * probability f^challengeCount (f = 0.5 → 2^-16 at the default 16). Each costs the verifier one sector
   * derivation and a Merkle path (~40 µs).
   */
  readonly challengeCount: number;
  /** An interactive challenge must be answered within this many ms of being issued. Default 2000. */
  readonly responseTimeMs: number;
}

/** PoStake (who). */
export interface StakeParams {
  /** Minimum locked stake, a decimal string (up to 18 fractional digits). Default '1'. */
  readonly minimum: string;
  /** The stake must stay locked at least this long after the verifier's `now`. Default 24 h. */
  readonly minLockMs: number;
}

/** PoWork (what/how): a memory-hard scrypt puzzle whose difficulty follows the declared capacity. */
export interface WorkParams {
  /** scrypt cost N = 2^log2N for the smallest declared memory. Default 9 (memory = 128·N·r = 512 KiB at r = 8). */
  readonly baseLog2N: number;
  /** Upper bound of log2N, which bounds what one verification costs (each +1 doubles memory and time). Default 10. */
  readonly maxLog2N: number;
  /** log2N grows by one for each doubling of declared memory from this many MiB. Default 16384 (16 GiB). */
  readonly memoryStepMiB: number;
  /** scrypt block size r. Default 8. */
  readonly r: number;
  /** scrypt parallelism p. Default 1. */
  readonly p: number;
  /** Leading zero bits required with one declared core; +1 per doubling of cores. Default 4. */
  readonly baseDifficultyBits: number;
  /** Upper bound of the difficulty. Default 12. */
  readonly maxDifficultyBits: number;
}

/** PoTime (when): a sequential SHA-256 chain seeded with a beacon, and the clock rules. */
export interface TimeParams {
  /** Sequential SHA-256 steps. Default 16384 (~35 ms). */
  readonly steps: number;
  /** A checkpoint every this many steps (steps must be a multiple). Default 128 (128 checkpoints, 4 KiB). */
  readonly checkpointInterval: number;
  /**
   * Segments a verifier re-runs, chosen at random by the verifier. Default 2 (~0.5 ms). A chain with a fraction f
   * of its segments faked passes one verifier with probability (1 − f)^segmentsChecked: this is a spot check that
   * becomes strong only across the many verifiers that see a proof.
   */
  readonly segmentsChecked: number;
  /** Chains up to this many steps are re-run in full instead. Default 1024. */
  readonly fullRerunMaxSteps: number;
  /** How far the signed timestamp may be ahead of the verifier's clock. Default 30 s. */
  readonly maxClockSkewMs: number;
  /** How old (by the verifier's clock) a proof may be. Default 10 min. */
  readonly maxAgeMs: number;
  /** How long after the beacon the signed timestamp may be: bounds how far a timestamp can be moved. Default 1 h. */
  readonly maxBeaconAgeMs: number;
}

export interface ConsensusParams {
  readonly space: SpaceParams;
  readonly stake: StakeParams;
  readonly work: WorkParams;
  readonly time: TimeParams;
}

export const DEFAULT_CONSENSUS_PARAMS: ConsensusParams = Object.freeze({
  space: Object.freeze({ sectorCount: 1024, sectorSize: 4096, challengeCount: 16, responseTimeMs: 2000 }),
  stake: Object.freeze({ minimum: '1', minLockMs: 24 * 3600_000 }),
  work: Object.freeze({
    baseLog2N: 9,
    maxLog2N: 10,
    memoryStepMiB: 16384,
    r: 8,
    p: 1,
    baseDifficultyBits: 4,
    maxDifficultyBits: 12,
  }),
  time: Object.freeze({
    steps: 16384,
    checkpointInterval: 128,
    segmentsChecked: 2,
    fullRerunMaxSteps: 1024,
    maxClockSkewMs: 30_000,
    maxAgeMs: 600_000,
    maxBeaconAgeMs: 3600_000,
  }),
});

/** What an asset declares it offers; the PoWork difficulty is derived from it. */
export interface DeclaredCapacity {
  readonly cpuCores: number;
  readonly memoryMiB: number;
}

export const CAPACITY_LIMITS = { cpuCores: 65_536, memoryMiB: 2 ** 32 - 1 } as const;

/** The scrypt parameters and difficulty of one proof. */
export interface WorkDifficulty {
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
  readonly difficultyBits: number;
}

/** The PoWork puzzle a declared capacity must solve under these parameters. */
export function workDifficulty(params: WorkParams, capacity: DeclaredCapacity): WorkDifficulty {
  checkCapacity(capacity);
  const memSteps = Math.floor(Math.log2(capacity.memoryMiB / params.memoryStepMiB)) + 1;
  const log2N = Math.min(params.maxLog2N, params.baseLog2N + Math.max(0, memSteps));
  const difficultyBits = Math.min(
    params.maxDifficultyBits,
    params.baseDifficultyBits + Math.floor(Math.log2(capacity.cpuCores)),
  );
  return { log2N, r: params.r, p: params.p, difficultyBits };
}

export function checkCapacity(capacity: DeclaredCapacity): void {
  const { cpuCores, memoryMiB } = capacity;
  const show = (v: unknown): string => String(v);
  if (!isIntIn(cpuCores, 1, CAPACITY_LIMITS.cpuCores)) fail('encoding', `cpuCores ${show(cpuCores)} is out of range`);
  if (!isIntIn(memoryMiB, 1, CAPACITY_LIMITS.memoryMiB)) {
    fail('encoding', `memoryMiB ${show(memoryMiB)} is out of range`);
  }
}

export function isIntIn(n: unknown, min: number, max: number): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= min && n <= max;
}

const DECIMAL = /^(0|[1-9][0-9]{0,59})(\.[0-9]{1,18})?$/;

/** A stake amount in 10^-18 units; undefined when the string is not a canonical-enough decimal. */
export function parseAmount(amount: string): bigint | undefined {
  if (!DECIMAL.test(amount)) return undefined;
  const [whole = '0', frac = ''] = amount.split('.');
  return BigInt(whole) * 10n ** 18n + BigInt(frac.padEnd(18, '0'));
}

/**
 * Throws ConsensusError('params') when a parameter is outside what the implementation supports (these bounds
 * also keep a hostile parameter set from making a verifier allocate or hash without limit).
 */
export function validateParams(params: ConsensusParams): void {
  const bad = (what: string): never => fail('params', what);
  const { space, stake, work, time } = params;
  if (!isIntIn(space.sectorCount, 1, 2 ** 20)) bad('space.sectorCount must be 1..2^20');
  if (!isIntIn(space.sectorSize, 32, 2 ** 20)) bad('space.sectorSize must be 32..2^20 bytes');
  if (!isIntIn(space.challengeCount, 1, 256)) bad('space.challengeCount must be 1..256');
  if (!isIntIn(space.responseTimeMs, 1, 3600_000)) bad('space.responseTimeMs must be 1 ms..1 h');
  if (parseAmount(stake.minimum) === undefined) bad('stake.minimum must be a decimal string');
  if (!isIntIn(stake.minLockMs, 0, Number.MAX_SAFE_INTEGER)) bad('stake.minLockMs must be ≥ 0');
  if (!isIntIn(work.baseLog2N, 1, 20) || !isIntIn(work.maxLog2N, work.baseLog2N, 20)) {
    bad('work.baseLog2N ≤ work.maxLog2N must be within 1..20');
  }
  if (!isIntIn(work.memoryStepMiB, 1, CAPACITY_LIMITS.memoryMiB)) bad('work.memoryStepMiB must be ≥ 1');
  if (!isIntIn(work.r, 1, 32) || !isIntIn(work.p, 1, 16)) bad('work.r must be 1..32 and work.p 1..16');
  if (!isIntIn(work.baseDifficultyBits, 0, 32) || !isIntIn(work.maxDifficultyBits, work.baseDifficultyBits, 32)) {
    bad('work.baseDifficultyBits ≤ work.maxDifficultyBits must be within 0..32');
  }
  if (!isIntIn(time.checkpointInterval, 1, 2 ** 24)) bad('time.checkpointInterval must be 1..2^24');
  if (!isIntIn(time.steps, 1, 2 ** 31) || time.steps % time.checkpointInterval !== 0) {
    bad('time.steps must be 1..2^31 and a multiple of time.checkpointInterval');
  }
  if (time.steps / time.checkpointInterval > 65_536) bad('time.steps / time.checkpointInterval must be ≤ 65536');
  if (!isIntIn(time.segmentsChecked, 1, 65_536)) bad('time.segmentsChecked must be ≥ 1');
  if (!isIntIn(time.fullRerunMaxSteps, 0, 2 ** 31)) bad('time.fullRerunMaxSteps must be ≥ 0');
  for (const k of ['maxClockSkewMs', 'maxAgeMs', 'maxBeaconAgeMs'] as const) {
    if (!isIntIn(time[k], 0, Number.MAX_SAFE_INTEGER)) bad(`time.${k} must be ≥ 0`);
  }
}

type Overrides<T> = { readonly [K in keyof T]?: Partial<T[K]> };

/** The defaults with some values replaced (tests use small ones), validated. */
export function consensusParams(overrides: Overrides<ConsensusParams> = {}): ConsensusParams {
  const d = DEFAULT_CONSENSUS_PARAMS;
  const params: ConsensusParams = {
    space: { ...d.space, ...overrides.space },
    stake: { ...d.stake, ...overrides.stake },
    work: { ...d.work, ...overrides.work },
    time: { ...d.time, ...overrides.time },
  };
  validateParams(params);
  return params;
}
