import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import type { JobFailureReason, JobKind } from '../../shared/vm';
import { VmError } from './errors';
import type { JobLimits } from './sandbox';

/**
 * What a provider's proof of an execution commits to, and how its output travels back: sealed to the consumer's
 * ML-KEM-768 key with AES-256-GCM, the commitment as additional data, so only the consumer reads it and a sealed
 * output cannot be passed off as another job's.
 */

export const sha256Hex = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** The facts of one run that the provider proves and the consumer checks. */
export interface ExecutionClaim {
  readonly jobId: string;
  readonly consumer: string;
  readonly provider: string;
  readonly leaseId: string;
  readonly kind: JobKind;
  readonly codeHash: string;
  readonly inputHash: string;
  readonly argsHash: string;
  readonly limits: JobLimits;
  /** SHA-256 of stdout; the hash of nothing when the run failed. */
  readonly outputHash: string;
  readonly exitCode: number | null;
  readonly failure: JobFailureReason | null;
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly memoryPeakBytes: number;
  /** wgsl jobs: the adapter that ran it (gpu-jobs.ts deviceName); `cpuMs` is then GPU time. */
  readonly device?: string;
}

const COMMITMENT_DOMAIN = 'hypermesh/vm/execution/v1\0';

/** SHA-256 over every field of the claim in a fixed order: what PoWork and the provider's signature cover. */
export function executionCommitment(c: ExecutionClaim): string {
  const fields = [
    c.jobId,
    c.consumer,
    c.provider,
    c.leaseId,
    c.kind,
    c.codeHash,
    c.inputHash,
    c.argsHash,
    `${c.limits.cpuMs}/${c.limits.wallMs}/${c.limits.memoryBytes}/${c.limits.outputBytes}`,
    c.outputHash,
    c.exitCode === null ? '-' : String(c.exitCode),
    c.failure ?? '-',
    `${c.cpuMs}/${c.wallMs}/${c.memoryPeakBytes}`,
    // Only wgsl claims carry a device: CPU jobs' commitments stay as they were.
    ...(c.kind === 'wgsl' ? [c.device ?? '-'] : []),
  ];
  return sha256Hex(COMMITMENT_DOMAIN + fields.join('\0'));
}

/** The subject a proof of this execution is made for: the consumer and the commitment (PoWork binds both). */
export function executionCounterparty(c: ExecutionClaim): string {
  return `${c.consumer}:${executionCommitment(c)}`;
}

export function argsHash(args: readonly string[]): string {
  return sha256Hex(JSON.stringify(args));
}

/** What both sides compare across redundant runs: the output (and exit status), or the limit it hit. */
export function outcomeKey(c: Pick<ExecutionClaim, 'outputHash' | 'exitCode' | 'failure'>): string {
  return c.failure ? `failed:${c.failure}` : `${c.outputHash}:${c.exitCode ?? '-'}`;
}

const SEAL_INFO = 'hypermesh/vm/output-seal/v1';

function sealKey(sharedSecret: Uint8Array, commitment: string): Buffer {
  return Buffer.from(hkdfSync('sha256', sharedSecret, Buffer.from(commitment, 'hex'), SEAL_INFO, 32));
}

/** Seals `output` to the consumer's ML-KEM public key: kem ciphertext ‖ iv ‖ tag ‖ AES-GCM ciphertext. */
export function sealOutput(output: Uint8Array, consumerKemKey: Uint8Array, commitment: string): Buffer {
  const { cipherText, sharedSecret } = ml_kem768.encapsulate(consumerKemKey);
  const iv = Buffer.alloc(12); // one key per output: a fixed IV never repeats under it
  const cipher = createCipheriv('aes-256-gcm', sealKey(sharedSecret, commitment), iv);
  cipher.setAAD(Buffer.from(commitment, 'hex'));
  const body = Buffer.concat([cipher.update(output), cipher.final()]);
  return Buffer.concat([cipherText, cipher.getAuthTag(), body]);
}

const KEM_CIPHERTEXT = 1088;

export function openOutput(sealed: Uint8Array, kemSecretKey: Uint8Array, commitment: string): Buffer {
  if (sealed.length < KEM_CIPHERTEXT + 16) throw new VmError('bad-proof', 'the sealed output is too short');
  const sharedSecret = ml_kem768.decapsulate(sealed.subarray(0, KEM_CIPHERTEXT), kemSecretKey);
  const decipher = createDecipheriv('aes-256-gcm', sealKey(sharedSecret, commitment), Buffer.alloc(12));
  decipher.setAAD(Buffer.from(commitment, 'hex'));
  decipher.setAuthTag(sealed.subarray(KEM_CIPHERTEXT, KEM_CIPHERTEXT + 16));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(KEM_CIPHERTEXT + 16)), decipher.final()]);
  } catch {
    throw new VmError('bad-proof', 'the sealed output does not open for this job (wrong key or tampered)');
  }
}

/** A reply frame: u32 length ‖ JSON ‖ raw bytes. */
export function encodeReply(json: unknown, bytes: Uint8Array): Buffer {
  const head = Buffer.from(JSON.stringify(json));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(head.length);
  return Buffer.concat([len, head, bytes]);
}

export function decodeReply(frame: Uint8Array): { json: unknown; bytes: Buffer } {
  const b = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (b.length < 4) throw new VmError('bad-proof', 'the reply is too short');
  const len = b.readUInt32BE(0);
  if (4 + len > b.length) throw new VmError('bad-proof', 'the reply is cut short');
  let json: unknown;
  try {
    json = JSON.parse(b.subarray(4, 4 + len).toString('utf8'));
  } catch {
    throw new VmError('bad-proof', 'the reply is not JSON');
  }
  return { json, bytes: b.subarray(4 + len) };
}
