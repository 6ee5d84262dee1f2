import { NODE_ID_PATTERN } from '../../shared/ledger';
import { decodeConsensusProof, encodeConsensusProof, type ConsensusProof, type ConsensusSubject } from '../consensus';
import { EMPTY_ROOT, hash, leafHash, rootFromLeafHashes } from '../crypto';
import { Reader, Writer, signingInput, withSignature } from './codec';
import { LedgerRuleError } from './errors';
import { TX_LIMITS, decodeTx, encodeTx, txIdOf, type Transaction } from './tx';

/**
 * Blocks and the genesis. A block's id is the SHA-256 of its header; the header commits to the transactions (an
 * RFC 6962 Merkle root over their encodings) and the four-part consensus proof commits to the header (its subject's
 * counterparty is the header digest), so the proof's ML-DSA-65 signature is the producer's signature on the block.
 */

export interface BlockHeader {
  readonly version: 1;
  readonly height: number;
  /** The parent's id (the genesis id for height 1). */
  readonly parent: Uint8Array;
  /** floor(timestamp / slotMs): one block per slot at most, slots strictly increasing along a chain. */
  readonly slot: number;
  readonly timestamp: number;
  readonly producer: string;
  readonly txRoot: Uint8Array;
  readonly txCount: number;
}

export interface Block {
  readonly header: BlockHeader;
  readonly txs: readonly Transaction[];
  readonly proof: ConsensusProof;
}

/** A block as received: decoded, with the encodings its ids and root are computed from. */
export interface DecodedBlock extends Block {
  readonly id: string;
  readonly txBytes: readonly Buffer[];
  readonly txIds: readonly string[];
  readonly bytes: Buffer;
}

export interface GenesisAuthority {
  readonly nodeId: string;
  /** Its weight in leader election, in Caesar base units (it is not money and cannot be spent). */
  readonly weight: bigint;
}

/** The first block: who may produce blocks before anyone has staked, signed by its creator (a CA node). */
export interface Genesis {
  readonly version: 1;
  readonly network: string;
  readonly createdAt: number;
  readonly slotMs: number;
  readonly authorities: readonly GenesisAuthority[];
  /** The creator's TrustChain chain, DER, leaf first; the creator is the first authority. */
  readonly creatorChain: readonly Uint8Array[];
  readonly signature: Uint8Array;
}

export const BLOCK_LIMITS = {
  txs: 256,
  /** Below STOQ's 1 MiB frame, so one block always fits one reply. */
  bytes: 960 * 1024,
  proofBytes: 256 * 1024,
} as const;

const BLOCK_MAGIC = Buffer.from('HMBK', 'ascii');
const GENESIS_MAGIC = Buffer.from('HMGN', 'ascii');
const HEADER_DOMAIN = 'hypermesh/ledger/block-header/v1\0';
const GENESIS_DOMAIN = 'hypermesh/ledger/genesis/v1\0';

function writeHeader(w: Writer, h: BlockHeader): void {
  w.u8(h.version).u64(h.height).raw(h.parent).u64(h.slot).u64(h.timestamp).str(h.producer).raw(h.txRoot);
  w.u32(h.txCount);
}

function readHeader(r: Reader): BlockHeader {
  const version = r.u8('version');
  if (version !== 1) throw new LedgerRuleError('encoding', `unknown block version ${version}`);
  return {
    version: 1,
    height: r.u64('height'),
    parent: r.fixed('parent', 32),
    slot: r.u64('slot'),
    timestamp: r.u64('timestamp'),
    producer: r.str('producer', 64),
    txRoot: r.fixed('transaction root', 32),
    txCount: r.u32('transaction count'),
  };
}

/** The block's id: SHA-256 over a domain tag and the header. */
export function headerDigest(h: BlockHeader): Buffer {
  const w = new Writer().raw(Buffer.from(HEADER_DOMAIN));
  writeHeader(w, h);
  return hash(w.done());
}

export function txRootOf(txBytes: readonly Uint8Array[]): Buffer {
  return txBytes.length === 0 ? EMPTY_ROOT : rootFromLeafHashes(txBytes.map((b) => leafHash(b)));
}

/** The consensus subject a block's proof must carry. */
export function blockProofSubject(header: BlockHeader): ConsensusSubject {
  return {
    assetId: `ledger/${header.producer}`,
    operation: 'block',
    counterparty: headerDigest(header).toString('hex'),
  };
}

export function encodeBlock(block: Block): Buffer {
  const w = new Writer().raw(BLOCK_MAGIC);
  writeHeader(w, block.header);
  for (const tx of block.txs) w.bytes(encodeTx(tx));
  w.bytes(encodeConsensusProof(block.proof));
  return w.done();
}

/** Decodes a block and checks what needs no state: sizes, the transaction root, each transaction's shape. */
export function decodeBlock(bytes: Uint8Array): DecodedBlock {
  if (bytes.length > BLOCK_LIMITS.bytes)
    throw new LedgerRuleError('block.size', `a block is at most ${BLOCK_LIMITS.bytes} bytes`);
  const r = new Reader(bytes);
  if (!Buffer.from(r.fixed('magic', 4)).equals(BLOCK_MAGIC)) throw new LedgerRuleError('encoding', 'not a block');
  const header = readHeader(r);
  if (header.txCount > BLOCK_LIMITS.txs)
    throw new LedgerRuleError('block.size', `more than ${BLOCK_LIMITS.txs} transactions`);
  if (!NODE_ID_PATTERN.test(header.producer)) throw new LedgerRuleError('encoding', 'the producer is not a NodeId');
  if (header.height < 1) throw new LedgerRuleError('encoding', 'block heights start at 1');
  const txBytes: Buffer[] = [];
  const txs: Transaction[] = [];
  for (let i = 0; i < header.txCount; i++) {
    const b = Buffer.from(r.bytes(`transaction ${i}`, TX_LIMITS.bytes));
    txBytes.push(b);
    txs.push(decodeTx(b));
  }
  let proof: ConsensusProof;
  try {
    proof = decodeConsensusProof(r.bytes('proof', BLOCK_LIMITS.proofBytes));
  } catch (err) {
    throw new LedgerRuleError('block.proof', `the proof does not decode: ${(err as Error).message}`, { cause: err });
  }
  r.end();
  if (!txRootOf(txBytes).equals(header.txRoot)) {
    throw new LedgerRuleError('block.root', 'the transaction root does not match the transactions');
  }
  const txIds = txBytes.map((b) => txIdOf(b));
  if (new Set(txIds).size !== txIds.length) throw new LedgerRuleError('duplicate', 'a transaction appears twice');
  return {
    header,
    txs,
    proof,
    id: headerDigest(header).toString('hex'),
    txBytes,
    txIds,
    bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  };
}

function writeGenesisUnsigned(w: Writer, g: Omit<Genesis, 'signature'>): void {
  w.raw(GENESIS_MAGIC).u8(g.version).str(g.network).u64(g.createdAt).u32(g.slotMs);
  w.u16(g.authorities.length);
  for (const a of g.authorities) w.str(a.nodeId).u64(a.weight);
  w.u8(g.creatorChain.length);
  for (const c of g.creatorChain) w.bytes(c);
}

export function genesisSigningInput(g: Omit<Genesis, 'signature'>): Buffer {
  return signingInput(GENESIS_DOMAIN, (w) => writeGenesisUnsigned(w, g));
}

export function encodeGenesis(g: Genesis): Buffer {
  return withSignature((w) => writeGenesisUnsigned(w, g), g.signature);
}

export function decodeGenesis(bytes: Uint8Array): Genesis {
  const r = new Reader(bytes);
  if (!Buffer.from(r.fixed('magic', 4)).equals(GENESIS_MAGIC)) throw new LedgerRuleError('genesis', 'not a genesis');
  const version = r.u8('version');
  if (version !== 1) throw new LedgerRuleError('genesis', `unknown genesis version ${version}`);
  const network = r.str('network', 64);
  const createdAt = r.u64('created at');
  const slotMs = r.u32('slot length');
  const count = r.u16('authorities');
  if (count < 1 || count > 64) throw new LedgerRuleError('genesis', 'a genesis names 1–64 authorities');
  const authorities: GenesisAuthority[] = [];
  for (let i = 0; i < count; i++) {
    const nodeId = r.str('authority', 64);
    if (!NODE_ID_PATTERN.test(nodeId)) throw new LedgerRuleError('genesis', 'an authority is not a NodeId');
    const weight = r.big('weight');
    if (weight <= 0n) throw new LedgerRuleError('genesis', 'an authority has no weight');
    authorities.push({ nodeId, weight });
  }
  const chainCount = r.u8('chain');
  if (chainCount < 1 || chainCount > 8) throw new LedgerRuleError('genesis', 'the creator chain has 1–8 certificates');
  const creatorChain: Uint8Array[] = [];
  for (let i = 0; i < chainCount; i++) creatorChain.push(r.bytes('certificate', 32 * 1024));
  const signature = r.bytes('signature', TX_LIMITS.signature);
  r.end();
  if (slotMs < 100 || slotMs > 600_000) throw new LedgerRuleError('genesis', 'the slot length is out of range');
  return { version: 1, network, createdAt, slotMs, authorities, creatorChain, signature };
}

export function genesisId(bytes: Uint8Array): string {
  return hash(GENESIS_DOMAIN, bytes).toString('hex');
}
