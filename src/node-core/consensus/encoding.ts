import { BinaryReader, BinaryWriter, signingInput, withSignature } from '../codec';
import { fail as failWith } from './errors';
import { CAPACITY_LIMITS, isIntIn, parseAmount } from './params';
import { DOMAIN } from './primitives';
import {
  BEACON_KINDS,
  OPERATIONS,
  type Beacon,
  type ConsensusProof,
  type SpaceOpening,
  type StakeRecord,
} from './types';

/**
 * The canonical binary form of a ConsensusProof, and a JSON form of the same fields. Both decoders are strict:
 * exact sizes, known enum values, valid UTF-8, bounded counts and no trailing bytes; anything else throws
 * ConsensusError('encoding') naming the field.
 *
 * Binary (big-endian; str = u16 length ‖ UTF-8, bytes = u32 length ‖ data, h32 = 32 bytes):
 *   "HMCP" ‖ u8 version=1
 *   subject: str assetId ‖ u8 operation (0 registration, 1 allocation, 2 block, 3 execution) ‖ str counterparty
 *   stake:   str nodeId ‖ u8 n ‖ n × bytes certificate ‖ str record.nodeId ‖ str amount ‖ u64 lockedUntil ‖
 *            str ledgerRef
 *   space:   str location ‖ u32 sectorCount ‖ u32 sectorSize ‖ h32 root ‖ u16 k ‖
 *            k × (u32 index ‖ h32 sectorHash ‖ u8 depth ‖ depth × h32)
 *   work:    u32 cpuCores ‖ u32 memoryMiB ‖ u8 log2N ‖ u8 r ‖ u8 p ‖ u8 difficultyBits ‖ u64 nonce
 *   time:    u8 beacon kind (0 ct-head, 1 ledger) ‖ str beacon id ‖ u64 beacon timestamp ‖ h32 beacon digest ‖
 *            u64 timestamp ‖ u32 steps ‖ u32 checkpointInterval ‖ u32 c ‖ c × h32
 *   bytes signature (ML-DSA-65 over DOMAIN.signature ‖ every byte before this field)
 */

export const MAGIC = Buffer.from('HMCP', 'ascii');

export const LIMITS = {
  assetId: 256,
  counterparty: 256,
  nodeId: 128,
  location: 512,
  amount: 80,
  ledgerRef: 256,
  beaconId: 256,
  certificates: 8,
  certificateBytes: 32 * 1024,
  signatureBytes: 8192,
  openings: 256,
  pathDepth: 32,
  checkpoints: 65_536,
} as const;

const HASH = 32;
const MAX_U32 = 2 ** 32 - 1;

function fail(message: string): never {
  return failWith('encoding', message);
}

// ---------- well-formedness (shared by every path in and out) ----------

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function need(ok: boolean, what: string): void {
  if (!ok) fail(what);
}

function checkStr(s: unknown, what: string, max: number, allowEmpty = true): void {
  need(typeof s === 'string', `${what} must be a string`);
  const str = s as string;
  need(!LONE_SURROGATE.test(str), `${what} is not well-formed Unicode`);
  const n = Buffer.byteLength(str, 'utf8');
  need(n <= max, `${what} is ${n} bytes, at most ${max} allowed`);
  need(allowEmpty || n > 0, `${what} must not be empty`);
}

function checkHash(b: unknown, what: string): void {
  need(b instanceof Uint8Array && b.length === HASH, `${what} must be ${HASH} bytes`);
}

function checkBeacon(b: Beacon): void {
  need((BEACON_KINDS as readonly string[]).includes(b.kind), `beacon kind must be one of ${BEACON_KINDS.join(', ')}`);
  checkStr(b.id, 'beacon id', LIMITS.beaconId, false);
  need(isIntIn(b.timestamp, 0, Number.MAX_SAFE_INTEGER), 'beacon timestamp must be a non-negative integer');
  checkHash(b.digest, 'beacon digest');
}

export function checkStakeRecord(r: StakeRecord): void {
  checkStr(r.nodeId, 'stake record nodeId', LIMITS.nodeId, false);
  checkStr(r.amount, 'stake amount', LIMITS.amount, false);
  need(parseAmount(r.amount) !== undefined, `stake amount ${JSON.stringify(r.amount)} is not a decimal string`);
  need(isIntIn(r.lockedUntil, 0, Number.MAX_SAFE_INTEGER), 'stake lockedUntil must be a non-negative integer');
  checkStr(r.ledgerRef, 'stake ledgerRef', LIMITS.ledgerRef);
}

function checkOpening(o: SpaceOpening, i: number): void {
  need(isIntIn(o.index, 0, MAX_U32), `opening ${i} index is out of range`);
  checkHash(o.sectorHash, `opening ${i} sector hash`);
  need(Array.isArray(o.path) && o.path.length <= LIMITS.pathDepth, `opening ${i} path is too long`);
  o.path.forEach((h, j) => checkHash(h, `opening ${i} path node ${j}`));
}

/** Throws ConsensusError('encoding') unless every field has its type, size and range. */
export function checkWellFormed(p: ConsensusProof): void {
  need(p.version === 1, `unknown proof version ${String(p.version)}`);
  const { subject, space, stake, work, time } = p;
  checkStr(subject.assetId, 'asset id', LIMITS.assetId, false);
  need((OPERATIONS as readonly string[]).includes(subject.operation), `operation must be ${OPERATIONS.join(' or ')}`);
  checkStr(subject.counterparty, 'counterparty', LIMITS.counterparty);
  checkStr(stake.nodeId, 'nodeId', LIMITS.nodeId, false);
  need(
    Array.isArray(stake.certificateChain) &&
      stake.certificateChain.length >= 1 &&
      stake.certificateChain.length <= LIMITS.certificates,
    `the certificate chain must hold 1..${LIMITS.certificates} certificates`,
  );
  stake.certificateChain.forEach((c, i) =>
    need(
      c instanceof Uint8Array && c.length > 0 && c.length <= LIMITS.certificateBytes,
      `certificate ${i} must be 1..${LIMITS.certificateBytes} bytes`,
    ),
  );
  checkStakeRecord(stake.record);
  need(
    stake.signature instanceof Uint8Array && stake.signature.length <= LIMITS.signatureBytes,
    `the signature must be at most ${LIMITS.signatureBytes} bytes`,
  );
  checkStr(space.location, 'location', LIMITS.location, false);
  need(isIntIn(space.sectorCount, 1, MAX_U32), 'sectorCount is out of range');
  need(isIntIn(space.sectorSize, 1, MAX_U32), 'sectorSize is out of range');
  checkHash(space.root, 'space root');
  need(
    Array.isArray(space.openings) && space.openings.length <= LIMITS.openings,
    `at most ${LIMITS.openings} openings`,
  );
  space.openings.forEach(checkOpening);
  need(isIntIn(work.capacity.cpuCores, 1, CAPACITY_LIMITS.cpuCores), 'cpuCores is out of range');
  need(isIntIn(work.capacity.memoryMiB, 1, CAPACITY_LIMITS.memoryMiB), 'memoryMiB is out of range');
  for (const k of ['log2N', 'r', 'p', 'difficultyBits'] as const) need(isIntIn(work[k], 0, 255), `${k} out of range`);
  need(isIntIn(work.nonce, 0, Number.MAX_SAFE_INTEGER), 'work nonce must be a non-negative integer');
  checkBeacon(time.beacon);
  need(isIntIn(time.timestamp, 0, Number.MAX_SAFE_INTEGER), 'timestamp must be a non-negative integer');
  need(isIntIn(time.steps, 1, MAX_U32), 'steps is out of range');
  need(isIntIn(time.checkpointInterval, 1, MAX_U32), 'checkpointInterval is out of range');
  need(
    Array.isArray(time.checkpoints) && time.checkpoints.length <= LIMITS.checkpoints,
    `at most ${LIMITS.checkpoints} checkpoints`,
  );
  time.checkpoints.forEach((c, i) => checkHash(c, `checkpoint ${i}`));
}

// ---------- binary ----------

function writeStakeRecord(w: BinaryWriter, record: StakeRecord): void {
  w.str(record.nodeId);
  w.str(record.amount);
  w.u64(record.lockedUntil);
  w.str(record.ledgerRef);
}

function writeBeacon(w: BinaryWriter, beacon: Beacon): void {
  w.u8(BEACON_KINDS.indexOf(beacon.kind));
  w.str(beacon.id);
  w.u64(beacon.timestamp);
  w.raw(beacon.digest);
}

/** The fields fixed before any computation: what the header digest (and so every part) is bound to. */
function writeHeader(w: BinaryWriter, p: ConsensusProof): void {
  w.raw(MAGIC);
  w.u8(p.version);
  w.str(p.subject.assetId);
  w.u8(OPERATIONS.indexOf(p.subject.operation));
  w.str(p.subject.counterparty);
  w.str(p.stake.nodeId);
  w.u8(p.stake.certificateChain.length);
  for (const c of p.stake.certificateChain) w.bytes(c);
  writeStakeRecord(w, p.stake.record);
  w.str(p.space.location);
  w.u32(p.space.sectorCount);
  w.u32(p.space.sectorSize);
  w.u32(p.work.capacity.cpuCores);
  w.u32(p.work.capacity.memoryMiB);
  w.u8(p.work.log2N);
  w.u8(p.work.r);
  w.u8(p.work.p);
  w.u8(p.work.difficultyBits);
  writeBeacon(w, p.time.beacon);
  w.u64(p.time.timestamp);
  w.u32(p.time.steps);
  w.u32(p.time.checkpointInterval);
}

/** The declared fields only (no outputs, no signature). Hashed into the header digest. */
export function encodeHeader(p: ConsensusProof): Buffer {
  checkWellFormed(p);
  return encodeHeaderChecked(p);
}

/** encodeHeader for a proof already through checkWellFormed (verification checks once, then encodes twice). */
export function encodeHeaderChecked(p: ConsensusProof): Buffer {
  const w = new BinaryWriter();
  writeHeader(w, p);
  return w.done();
}

function writeUnsigned(w: BinaryWriter, p: ConsensusProof): void {
  writeHeader(w, p);
  w.raw(p.space.root);
  w.u16(p.space.openings.length);
  for (const o of p.space.openings) {
    w.u32(o.index);
    w.raw(o.sectorHash);
    w.u8(o.path.length);
    for (const h of o.path) w.raw(h);
  }
  w.u64(p.work.nonce);
  w.u32(p.time.checkpoints.length);
  for (const c of p.time.checkpoints) w.raw(c);
}

/** What the stake signature covers: a domain tag and every byte of the encoding before the signature. */
export function proofSigningInput(p: ConsensusProof): Buffer {
  checkWellFormed(p);
  return proofSigningInputChecked(p);
}

/** proofSigningInput for a proof already through checkWellFormed. */
export function proofSigningInputChecked(p: ConsensusProof): Buffer {
  return signingInput(DOMAIN.signature, (w) => writeUnsigned(w, p));
}

export function encodeConsensusProof(p: ConsensusProof): Buffer {
  checkWellFormed(p);
  return withSignature((w) => writeUnsigned(w, p), p.stake.signature);
}

export function decodeConsensusProof(bytes: Uint8Array): ConsensusProof {
  if (!(bytes instanceof Uint8Array)) fail('a proof must be bytes');
  const r = new BinaryReader(bytes, fail);
  const head = [r.u8('magic'), r.u8('magic'), r.u8('magic'), r.u8('magic')];
  if (Buffer.compare(Buffer.from(head), MAGIC) !== 0) fail('not a consensus proof (bad magic)');
  const version = r.u8('version');
  if (version !== 1) fail(`unknown proof version ${version}`);
  const assetId = r.str('asset id', LIMITS.assetId);
  const operation = r.oneOf(OPERATIONS, 'operation');
  const counterparty = r.str('counterparty', LIMITS.counterparty);
  const nodeId = r.str('nodeId', LIMITS.nodeId);
  const chainLength = r.u8('certificate count');
  if (chainLength > LIMITS.certificates) fail(`at most ${LIMITS.certificates} certificates`);
  const certificateChain: Uint8Array[] = [];
  for (let i = 0; i < chainLength; i++) certificateChain.push(r.bytes(`certificate ${i}`, LIMITS.certificateBytes));
  const record: StakeRecord = {
    nodeId: r.str('stake record nodeId', LIMITS.nodeId),
    amount: r.str('stake amount', LIMITS.amount),
    lockedUntil: r.u64('stake lockedUntil'),
    ledgerRef: r.str('stake ledgerRef', LIMITS.ledgerRef),
  };
  const location = r.str('location', LIMITS.location);
  const sectorCount = r.u32('sectorCount');
  const sectorSize = r.u32('sectorSize');
  const capacity = { cpuCores: r.u32('cpuCores'), memoryMiB: r.u32('memoryMiB') };
  const log2N = r.u8('log2N');
  const rr = r.u8('r');
  const pp = r.u8('p');
  const difficultyBits = r.u8('difficultyBits');
  const beacon: Beacon = {
    kind: r.oneOf(BEACON_KINDS, 'beacon kind'),
    id: r.str('beacon id', LIMITS.beaconId),
    timestamp: r.u64('beacon timestamp'),
    digest: r.fixed('beacon digest', HASH),
  };
  const timestamp = r.u64('timestamp');
  const steps = r.u32('steps');
  const checkpointInterval = r.u32('checkpointInterval');
  const root = r.fixed('space root', HASH);
  const openingCount = r.u16('opening count');
  if (openingCount > LIMITS.openings) fail(`at most ${LIMITS.openings} openings`);
  const openings: SpaceOpening[] = [];
  for (let i = 0; i < openingCount; i++) {
    const index = r.u32(`opening ${i} index`);
    const sectorHash = r.fixed(`opening ${i} sector hash`, HASH);
    const depth = r.u8(`opening ${i} depth`);
    if (depth > LIMITS.pathDepth) fail(`opening ${i} path is too long`);
    const path: Uint8Array[] = [];
    for (let j = 0; j < depth; j++) path.push(r.fixed(`opening ${i} path node ${j}`, HASH));
    openings.push({ index, sectorHash, path });
  }
  const nonce = r.u64('work nonce');
  const checkpointCount = r.u32('checkpoint count');
  if (checkpointCount > LIMITS.checkpoints) fail(`at most ${LIMITS.checkpoints} checkpoints`);
  const checkpoints: Uint8Array[] = [];
  for (let i = 0; i < checkpointCount; i++) checkpoints.push(r.fixed(`checkpoint ${i}`, HASH));
  const signature = r.bytes('signature', LIMITS.signatureBytes);
  r.end();
  const proof: ConsensusProof = {
    version: 1,
    subject: { assetId, operation, counterparty },
    space: { location, sectorCount, sectorSize, root, openings },
    stake: { nodeId, certificateChain, record, signature },
    work: { capacity, log2N, r: rr, p: pp, difficultyBits, nonce },
    time: { beacon, timestamp, steps, checkpointInterval, checkpoints },
  };
  checkWellFormed(proof);
  return proof;
}

// ---------- JSON ----------

/** The JSON form: the same fields, byte strings as base64url. */
export interface ConsensusProofJson {
  readonly version: 1;
  readonly subject: { readonly assetId: string; readonly operation: string; readonly counterparty: string };
  readonly space: {
    readonly location: string;
    readonly sectorCount: number;
    readonly sectorSize: number;
    readonly root: string;
    readonly openings: readonly { readonly index: number; readonly sectorHash: string; readonly path: string[] }[];
  };
  readonly stake: {
    readonly nodeId: string;
    readonly certificateChain: readonly string[];
    readonly record: StakeRecord;
    readonly signature: string;
  };
  readonly work: {
    readonly capacity: { readonly cpuCores: number; readonly memoryMiB: number };
    readonly log2N: number;
    readonly r: number;
    readonly p: number;
    readonly difficultyBits: number;
    readonly nonce: number;
  };
  readonly time: {
    readonly beacon: {
      readonly kind: string;
      readonly id: string;
      readonly timestamp: number;
      readonly digest: string;
    };
    readonly timestamp: number;
    readonly steps: number;
    readonly checkpointInterval: number;
    readonly checkpoints: readonly string[];
  };
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

export function consensusProofToJson(p: ConsensusProof): ConsensusProofJson {
  checkWellFormed(p);
  return {
    version: 1,
    subject: { ...p.subject },
    space: {
      location: p.space.location,
      sectorCount: p.space.sectorCount,
      sectorSize: p.space.sectorSize,
      root: b64(p.space.root),
      openings: p.space.openings.map((o) => ({ index: o.index, sectorHash: b64(o.sectorHash), path: o.path.map(b64) })),
    },
    stake: {
      nodeId: p.stake.nodeId,
      certificateChain: p.stake.certificateChain.map(b64),
      record: { ...p.stake.record },
      signature: b64(p.stake.signature),
    },
    work: { ...p.work, capacity: { ...p.work.capacity } },
    time: {
      beacon: { ...p.time.beacon, digest: b64(p.time.beacon.digest) },
      timestamp: p.time.timestamp,
      steps: p.time.steps,
      checkpointInterval: p.time.checkpointInterval,
      checkpoints: p.time.checkpoints.map(b64),
    },
  };
}

type Obj = Record<string, unknown>;

function obj(v: unknown, what: string, keys: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} must be an object`);
  const o = v as Obj;
  const extra = Object.keys(o).filter((k) => !keys.includes(k));
  if (extra.length > 0) fail(`${what} has unknown field(s) ${extra.join(', ')}`);
  const missing = keys.filter((k) => !Object.hasOwn(o, k));
  if (missing.length > 0) fail(`${what} lacks ${missing.join(', ')}`);
  return o;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') fail(`${what} must be a string`);
  return v;
}

function int(v: unknown, what: string): number {
  if (!isIntIn(v, 0, Number.MAX_SAFE_INTEGER)) fail(`${what} must be a non-negative integer`);
  return v;
}

function bin(v: unknown, what: string): Uint8Array {
  const s = str(v, what);
  if (!/^[A-Za-z0-9_-]*$/.test(s)) fail(`${what} is not base64url`);
  const b = Buffer.from(s, 'base64url');
  if (b.toString('base64url') !== s) fail(`${what} is not canonical base64url`);
  return Uint8Array.from(b);
}

function arr<T>(v: unknown, what: string, max: number, item: (x: unknown, i: number) => T): T[] {
  if (!Array.isArray(v)) fail(`${what} must be an array`);
  if (v.length > max) fail(`${what} has more than ${max} items`);
  return v.map((x, i) => item(x, i));
}

/** Parses the JSON form (an already-parsed value, or the JSON text). */
export function consensusProofFromJson(input: unknown): ConsensusProof {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch {
      fail('not valid JSON');
    }
  }
  const root = obj(value, 'proof', ['version', 'subject', 'space', 'stake', 'work', 'time']);
  if (root.version !== 1) fail(`unknown proof version ${String(root.version)}`);
  const subject = obj(root.subject, 'subject', ['assetId', 'operation', 'counterparty']);
  const space = obj(root.space, 'space', ['location', 'sectorCount', 'sectorSize', 'root', 'openings']);
  const stake = obj(root.stake, 'stake', ['nodeId', 'certificateChain', 'record', 'signature']);
  const record = obj(stake.record, 'stake record', ['nodeId', 'amount', 'lockedUntil', 'ledgerRef']);
  const work = obj(root.work, 'work', ['capacity', 'log2N', 'r', 'p', 'difficultyBits', 'nonce']);
  const capacity = obj(work.capacity, 'capacity', ['cpuCores', 'memoryMiB']);
  const time = obj(root.time, 'time', ['beacon', 'timestamp', 'steps', 'checkpointInterval', 'checkpoints']);
  const beacon = obj(time.beacon, 'beacon', ['kind', 'id', 'timestamp', 'digest']);
  const operation = str(subject.operation, 'operation');
  const kind = str(beacon.kind, 'beacon kind');
  if (!(OPERATIONS as readonly string[]).includes(operation)) fail(`unknown operation ${operation}`);
  if (!(BEACON_KINDS as readonly string[]).includes(kind)) fail(`unknown beacon kind ${kind}`);
  const proof: ConsensusProof = {
    version: 1,
    subject: {
      assetId: str(subject.assetId, 'asset id'),
      operation: operation as ConsensusProof['subject']['operation'],
      counterparty: str(subject.counterparty, 'counterparty'),
    },
    space: {
      location: str(space.location, 'location'),
      sectorCount: int(space.sectorCount, 'sectorCount'),
      sectorSize: int(space.sectorSize, 'sectorSize'),
      root: bin(space.root, 'space root'),
      openings: arr(space.openings, 'openings', LIMITS.openings, (x, i) => {
        const o = obj(x, `opening ${i}`, ['index', 'sectorHash', 'path']);
        return {
          index: int(o.index, `opening ${i} index`),
          sectorHash: bin(o.sectorHash, `opening ${i} sector hash`),
          path: arr(o.path, `opening ${i} path`, LIMITS.pathDepth, (h, j) => bin(h, `opening ${i} path node ${j}`)),
        };
      }),
    },
    stake: {
      nodeId: str(stake.nodeId, 'nodeId'),
      certificateChain: arr(stake.certificateChain, 'certificate chain', LIMITS.certificates, (c, i) =>
        bin(c, `certificate ${i}`),
      ),
      record: {
        nodeId: str(record.nodeId, 'stake record nodeId'),
        amount: str(record.amount, 'stake amount'),
        lockedUntil: int(record.lockedUntil, 'stake lockedUntil'),
        ledgerRef: str(record.ledgerRef, 'stake ledgerRef'),
      },
      signature: bin(stake.signature, 'signature'),
    },
    work: {
      capacity: { cpuCores: int(capacity.cpuCores, 'cpuCores'), memoryMiB: int(capacity.memoryMiB, 'memoryMiB') },
      log2N: int(work.log2N, 'log2N'),
      r: int(work.r, 'r'),
      p: int(work.p, 'p'),
      difficultyBits: int(work.difficultyBits, 'difficultyBits'),
      nonce: int(work.nonce, 'work nonce'),
    },
    time: {
      beacon: {
        kind: kind as Beacon['kind'],
        id: str(beacon.id, 'beacon id'),
        timestamp: int(beacon.timestamp, 'beacon timestamp'),
        digest: bin(beacon.digest, 'beacon digest'),
      },
      timestamp: int(time.timestamp, 'timestamp'),
      steps: int(time.steps, 'steps'),
      checkpointInterval: int(time.checkpointInterval, 'checkpointInterval'),
      checkpoints: arr(time.checkpoints, 'checkpoints', LIMITS.checkpoints, (c, i) => bin(c, `checkpoint ${i}`)),
    },
  };
  checkWellFormed(proof);
  return proof;
}
