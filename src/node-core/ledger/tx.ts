import { createHash } from 'node:crypto';
import { MAX_AMOUNT_UNITS } from '../../shared/amount';
import { LEDGER_TX_KINDS, MEMO_MAX_LENGTH, NODE_ID_PATTERN, type LedgerTxKind } from '../../shared/ledger';
import { PRIVACY_LEVELS, RESOURCE_KINDS, type PrivacyLevel, type ResourceKind } from '../../shared/settings';
import { base32 } from '../identity/index';
import { hash, verifyNow } from '../crypto';
import { Reader, Writer, signingInput, withSignature } from './codec';
import { LedgerRuleError } from './errors';

/**
 * Ledger transactions: who (`from`, a NodeId, with the public keys that hash to it), which of their transactions
 * (`nonce`: 1, 2, 3, … per account, so a replay or a double spend is refused), what (`body`), and an ML-DSA-65
 * signature over all of it. Binary layout in docs/ledger.md.
 */

export interface AccountKeys {
  /** ML-DSA-65 public key (1952 bytes). */
  readonly mldsaPublicKey: Uint8Array;
  /** The node's P-256 TLS public key, SPKI DER: the NodeId hashes both. */
  readonly tlsSpki: Uint8Array;
}

/** A consumer's signed statement that it held `amount` of an allocation from `fromMs` to `toMs`. */
export interface UsageReceipt {
  readonly leaseId: string;
  readonly assetId: string;
  readonly provider: string;
  readonly consumer: string;
  readonly resource: ResourceKind;
  /** In the adapter's unit (slots, bytes, bits/s). */
  readonly amount: bigint;
  readonly fromMs: number;
  readonly toMs: number;
}

export interface SignedReceipt {
  readonly receipt: UsageReceipt;
  readonly consumerKeys: AccountKeys;
  readonly signature: Uint8Array;
}

export type TxBody =
  | { readonly kind: 'transfer'; readonly to: string; readonly amount: bigint; readonly memo: string }
  | { readonly kind: 'reward'; readonly receipt: SignedReceipt }
  | { readonly kind: 'stake_lock'; readonly amount: bigint; readonly lockedUntil: number }
  | { readonly kind: 'stake_unlock' }
  | {
      readonly kind: 'registration';
      readonly assetId: string;
      readonly resource: ResourceKind;
      readonly privacyLevel: PrivacyLevel;
      /** SHA-256 of the registration's four-part proof (the proof itself travels with the asset). */
      readonly proofDigest: Uint8Array;
    }
  | {
      readonly kind: 'allocation';
      readonly leaseId: string;
      readonly assetId: string;
      readonly consumer: string;
      readonly amount: bigint;
      readonly grantedAt: number;
      readonly durationMs: number;
      readonly proofDigest: Uint8Array;
    };

export interface UnsignedTx {
  readonly version: 1;
  readonly from: string;
  readonly nonce: number;
  /** When the sender made it, ms since the epoch. */
  readonly timestamp: number;
  readonly body: TxBody;
  readonly keys: AccountKeys;
}

export interface Transaction extends UnsignedTx {
  readonly signature: Uint8Array;
}

export const TX_LIMITS = {
  mldsaPublicKey: 1952,
  tlsSpki: 512,
  signature: 4096,
  id: 256,
  /** Longest lease a ledger allocation may record. */
  durationMs: 30 * 86_400_000,
  /** A whole encoded transaction. */
  bytes: 16 * 1024,
} as const;

const TX_MAGIC = Buffer.from('HMTX', 'ascii');
const RECEIPT_DOMAIN = 'hypermesh/ledger/receipt/v1\0';
const TX_DOMAIN = 'hypermesh/ledger/tx/v1\0';

/** The NodeId the keys hash to (identity.ts: deriveNodeId, from the raw SPKI). */
export function nodeIdOfKeys(keys: AccountKeys): string {
  const digest = createHash('sha256')
    .update('hypermesh/node-id/v1\0')
    .update(keys.mldsaPublicKey)
    .update(keys.tlsSpki)
    .digest();
  return base32(digest);
}

function writeKeys(w: Writer, k: AccountKeys): void {
  w.bytes(k.mldsaPublicKey).bytes(k.tlsSpki);
}

function readKeys(r: Reader): AccountKeys {
  const mldsaPublicKey = r.bytes('ML-DSA public key', TX_LIMITS.mldsaPublicKey);
  if (mldsaPublicKey.length !== TX_LIMITS.mldsaPublicKey) {
    throw new LedgerRuleError('encoding', `an ML-DSA-65 public key is ${TX_LIMITS.mldsaPublicKey} bytes`);
  }
  return { mldsaPublicKey, tlsSpki: r.bytes('TLS public key', TX_LIMITS.tlsSpki) };
}

function checkNodeId(value: string, what: string): void {
  if (!NODE_ID_PATTERN.test(value)) throw new LedgerRuleError('encoding', `${what} is not a NodeId`);
}

function checkAmount(value: bigint, what: string): void {
  if (value <= 0n) throw new LedgerRuleError('amount', `${what} must be more than 0`);
  if (value > MAX_AMOUNT_UNITS) throw new LedgerRuleError('amount', `${what} is over the maximum`);
}

function checkTime(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new LedgerRuleError('encoding', `${what} is not a time`);
}

export function receiptSigningInput(r: UsageReceipt): Buffer {
  return new Writer()
    .raw(Buffer.from(RECEIPT_DOMAIN))
    .str(r.leaseId)
    .str(r.assetId)
    .str(r.provider)
    .str(r.consumer)
    .u8(RESOURCE_KINDS.indexOf(r.resource))
    .u64(r.amount)
    .u64(r.fromMs)
    .u64(r.toMs)
    .done();
}

function writeReceipt(w: Writer, s: SignedReceipt): void {
  const r = s.receipt;
  w.str(r.leaseId).str(r.assetId).str(r.provider).str(r.consumer).u8(RESOURCE_KINDS.indexOf(r.resource));
  w.u64(r.amount).u64(r.fromMs).u64(r.toMs);
  writeKeys(w, s.consumerKeys);
  w.bytes(s.signature);
}

function readReceipt(r: Reader): SignedReceipt {
  const receipt: UsageReceipt = {
    leaseId: r.str('lease id', TX_LIMITS.id),
    assetId: r.str('asset id', TX_LIMITS.id),
    provider: r.str('provider', 64),
    consumer: r.str('consumer', 64),
    resource: r.oneOf(RESOURCE_KINDS, 'resource'),
    amount: r.big('amount'),
    fromMs: r.u64('from'),
    toMs: r.u64('to'),
  };
  return { receipt, consumerKeys: readKeys(r), signature: r.bytes('receipt signature', TX_LIMITS.signature) };
}

function writeBody(w: Writer, b: TxBody): void {
  w.u8(LEDGER_TX_KINDS.indexOf(b.kind));
  switch (b.kind) {
    case 'transfer':
      w.str(b.to).u64(b.amount).str(b.memo);
      return;
    case 'reward':
      writeReceipt(w, b.receipt);
      return;
    case 'stake_lock':
      w.u64(b.amount).u64(b.lockedUntil);
      return;
    case 'stake_unlock':
      return;
    case 'registration':
      w.str(b.assetId).u8(RESOURCE_KINDS.indexOf(b.resource)).u8(PRIVACY_LEVELS.indexOf(b.privacyLevel));
      w.raw(b.proofDigest);
      return;
    case 'allocation':
      w.str(b.leaseId).str(b.assetId).str(b.consumer).u64(b.amount).u64(b.grantedAt).u64(b.durationMs);
      w.raw(b.proofDigest);
      return;
  }
}

function readBody(r: Reader): TxBody {
  const kind: LedgerTxKind = r.oneOf(LEDGER_TX_KINDS, 'transaction kind');
  switch (kind) {
    case 'transfer':
      return { kind, to: r.str('recipient', 64), amount: r.big('amount'), memo: r.str('memo', MEMO_MAX_LENGTH * 4) };
    case 'reward':
      return { kind, receipt: readReceipt(r) };
    case 'stake_lock':
      return { kind, amount: r.big('amount'), lockedUntil: r.u64('locked until') };
    case 'stake_unlock':
      return { kind };
    case 'registration':
      return {
        kind,
        assetId: r.str('asset id', TX_LIMITS.id),
        resource: r.oneOf(RESOURCE_KINDS, 'resource'),
        privacyLevel: r.oneOf(PRIVACY_LEVELS, 'privacy level'),
        proofDigest: r.fixed('proof digest', 32),
      };
    case 'allocation':
      return {
        kind,
        leaseId: r.str('lease id', TX_LIMITS.id),
        assetId: r.str('asset id', TX_LIMITS.id),
        consumer: r.str('consumer', 64),
        amount: r.big('amount'),
        grantedAt: r.u64('granted at'),
        durationMs: r.u64('duration'),
        proofDigest: r.fixed('proof digest', 32),
      };
  }
}

function writeUnsigned(w: Writer, tx: UnsignedTx): void {
  w.raw(TX_MAGIC).u8(tx.version).str(tx.from).u64(tx.nonce).u64(tx.timestamp);
  writeBody(w, tx.body);
  writeKeys(w, tx.keys);
}

/** What the sender signs: a domain tag and every byte of the transaction before the signature. */
export function txSigningInput(tx: UnsignedTx): Buffer {
  return signingInput(TX_DOMAIN, (w) => writeUnsigned(w, tx));
}

export function encodeTx(tx: Transaction): Buffer {
  return withSignature((w) => writeUnsigned(w, tx), tx.signature);
}

/** Decodes one transaction and checks its shape (not its signature: verifyTxSignature, nor the state). */
export function decodeTx(bytes: Uint8Array): Transaction {
  if (bytes.length > TX_LIMITS.bytes)
    throw new LedgerRuleError('encoding', `a transaction is at most ${TX_LIMITS.bytes} bytes`);
  const r = new Reader(bytes);
  if (!Buffer.from(r.fixed('magic', 4)).equals(TX_MAGIC)) throw new LedgerRuleError('encoding', 'not a transaction');
  const version = r.u8('version');
  if (version !== 1) throw new LedgerRuleError('encoding', `unknown transaction version ${version}`);
  const tx: Transaction = {
    version: 1,
    from: r.str('sender', 64),
    nonce: r.u64('nonce'),
    timestamp: r.u64('timestamp'),
    body: readBody(r),
    keys: readKeys(r),
    signature: r.bytes('signature', TX_LIMITS.signature),
  };
  r.end();
  checkTxShape(tx);
  return tx;
}

/** Field rules that need no state: formats, positive amounts, bounded times. */
export function checkTxShape(tx: UnsignedTx): void {
  checkNodeId(tx.from, 'the sender');
  if (!Number.isSafeInteger(tx.nonce) || tx.nonce < 1) throw new LedgerRuleError('nonce', 'nonces start at 1');
  checkTime(tx.timestamp, 'the timestamp');
  const b = tx.body;
  switch (b.kind) {
    case 'transfer':
      checkNodeId(b.to, 'the recipient');
      if (b.to === tx.from) throw new LedgerRuleError('amount', 'a transfer to oneself');
      checkAmount(b.amount, 'the amount');
      if (b.memo.length > MEMO_MAX_LENGTH) throw new LedgerRuleError('encoding', 'the memo is too long');
      return;
    case 'reward': {
      const r = b.receipt.receipt;
      checkNodeId(r.provider, 'the provider');
      checkNodeId(r.consumer, 'the consumer');
      if (r.provider !== tx.from) throw new LedgerRuleError('receipt', 'a reward is claimed by the provider only');
      if (r.consumer === r.provider) throw new LedgerRuleError('receipt', 'a provider cannot pay itself');
      checkAmount(r.amount, 'the receipt amount');
      checkTime(r.fromMs, 'the receipt start');
      checkTime(r.toMs, 'the receipt end');
      if (r.toMs <= r.fromMs) throw new LedgerRuleError('receipt', 'the receipt covers no time');
      return;
    }
    case 'stake_lock':
      checkAmount(b.amount, 'the stake');
      checkTime(b.lockedUntil, 'the lock end');
      return;
    case 'stake_unlock':
      return;
    case 'registration':
      if (b.assetId.length === 0) throw new LedgerRuleError('record', 'no asset id');
      return;
    case 'allocation':
      checkNodeId(b.consumer, 'the consumer');
      if (b.consumer === tx.from) throw new LedgerRuleError('record', 'a provider cannot lease to itself');
      if (b.leaseId.length === 0 || b.assetId.length === 0) throw new LedgerRuleError('record', 'no lease or asset id');
      checkAmount(b.amount, 'the allocated amount');
      checkTime(b.grantedAt, 'the grant time');
      if (b.durationMs < 1 || b.durationMs > TX_LIMITS.durationMs) {
        throw new LedgerRuleError('record', 'the lease duration is out of range');
      }
      return;
  }
}

/** The transaction's id: SHA-256 of its whole encoding, hex. */
export function txIdOf(encoded: Uint8Array): string {
  return hash(encoded).toString('hex');
}

/** The sender's keys hash to `from` and its signature holds; a reward's receipt is signed by its consumer. */
export function verifyTxSignatures(tx: Transaction): void {
  if (nodeIdOfKeys(tx.keys) !== tx.from) throw new LedgerRuleError('signer', "the keys are not the sender's");
  if (!verifyNow('ml-dsa-65', tx.signature, txSigningInput(tx), tx.keys.mldsaPublicKey)) {
    throw new LedgerRuleError('signature', "the sender's ML-DSA-65 signature does not verify");
  }
  if (tx.body.kind === 'reward') {
    const s = tx.body.receipt;
    if (nodeIdOfKeys(s.consumerKeys) !== s.receipt.consumer) {
      throw new LedgerRuleError('receipt', "the receipt is not signed with the consumer's keys");
    }
    if (!verifyNow('ml-dsa-65', s.signature, receiptSigningInput(s.receipt), s.consumerKeys.mldsaPublicKey)) {
      throw new LedgerRuleError('receipt', "the consumer's signature over the receipt does not verify");
    }
  }
}

/** Something that signs for an account: a NodeIdentity fits. */
export interface AccountSigner {
  readonly nodeId: string;
  readonly mldsaPublicKey: Uint8Array;
  readonly tlsPublicKey: { export(options: { type: 'spki'; format: 'der' }): Buffer };
  sign(message: Uint8Array): Uint8Array;
}

export function keysOf(signer: AccountSigner): AccountKeys {
  return {
    mldsaPublicKey: signer.mldsaPublicKey,
    tlsSpki: signer.tlsPublicKey.export({ type: 'spki', format: 'der' }),
  };
}

export function signTx(unsigned: Omit<UnsignedTx, 'version' | 'keys' | 'from'>, signer: AccountSigner): Transaction {
  const tx: UnsignedTx = { version: 1, from: signer.nodeId, keys: keysOf(signer), ...unsigned };
  checkTxShape(tx);
  return { ...tx, signature: signer.sign(txSigningInput(tx)) };
}

export function signReceipt(receipt: UsageReceipt, signer: AccountSigner): SignedReceipt {
  if (receipt.consumer !== signer.nodeId) throw new Error('a receipt is signed by its consumer');
  return { receipt, consumerKeys: keysOf(signer), signature: signer.sign(receiptSigningInput(receipt)) };
}

export function encodeSignedReceipt(s: SignedReceipt): Buffer {
  const w = new Writer();
  writeReceipt(w, s);
  return w.done();
}

export function decodeSignedReceipt(bytes: Uint8Array): SignedReceipt {
  const r = new Reader(bytes);
  const s = readReceipt(r);
  r.end();
  return s;
}
