import { describe, expect, it } from 'vitest';
import {
  consensusProofFromJson,
  consensusProofToJson,
  decodeConsensusProof,
  encodeConsensusProof,
  type ConsensusProofJson,
} from './encoding';
import { ConsensusError } from './errors';
import { verifyConsensusProof } from './proof';
import { makeFixture } from './testing';
import type { ConsensusProof } from './types';

const fx = await makeFixture();
const bytes = encodeConsensusProof(fx.proof);
const json = consensusProofToJson(fx.proof);

function rejects(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConsensusError);
    expect((err as ConsensusError).reason).toBe('encoding');
    expect((err as ConsensusError).message).toMatch(message);
    return;
  }
  throw new Error('accepted');
}

const patched = (offset: number, value: number): Buffer => {
  const b = Buffer.from(bytes);
  b[offset] = value;
  return b;
};

// Layout: "HMCP" (0-3), version (4), asset id length (5-6), asset id 'asset-cpu-1' (7-17), operation (18).
describe('binary encoding', () => {
  it('starts as documented', () => {
    expect(bytes.subarray(0, 5)).toEqual(Buffer.from('HMCP\x01', 'latin1'));
    expect(bytes.readUInt16BE(5)).toBe(11);
    expect(bytes.subarray(7, 18).toString()).toBe('asset-cpu-1');
  });

  it('rejects truncation at every length, and trailing bytes', () => {
    for (const n of [0, 3, 5, 18, 100, bytes.length - 1])
      rejects(() => decodeConsensusProof(bytes.subarray(0, n)), /truncated/);
    rejects(() => decodeConsensusProof(Buffer.concat([bytes, Buffer.from([0])])), /1 trailing bytes/);
  });

  it('rejects a bad magic, an unknown version or operation, and invalid UTF-8', () => {
    rejects(() => decodeConsensusProof(patched(0, 0x58)), /bad magic/);
    rejects(() => decodeConsensusProof(patched(4, 2)), /unknown proof version 2/);
    rejects(() => decodeConsensusProof(patched(18, 7)), /unknown operation 7/);
    rejects(() => decodeConsensusProof(patched(9, 0xff)), /asset id is not valid UTF-8/);
  });

  it('rejects oversized lengths before reading them', () => {
    const b = Buffer.from(bytes);
    b.writeUInt16BE(300, 5);
    rejects(() => decodeConsensusProof(b), /asset id is 300 bytes, at most 256/);
  });

  it('rejects a proof object that cannot be encoded', () => {
    const bad = (patch: Partial<ConsensusProof>) => ({ ...fx.proof, ...patch }) as ConsensusProof;
    rejects(() => encodeConsensusProof(bad({ space: { ...fx.proof.space, root: new Uint8Array(31) } })), /space root/);
    rejects(() => encodeConsensusProof(bad({ subject: { ...fx.proof.subject, assetId: '' } })), /asset id must not/);
    rejects(
      () => encodeConsensusProof(bad({ subject: { ...fx.proof.subject, assetId: 'a\uD800' } })),
      /well-formed Unicode/,
    );
    rejects(
      () =>
        encodeConsensusProof(
          bad({ stake: { ...fx.proof.stake, record: { ...fx.proof.stake.record, amount: '1e3' } } }),
        ),
      /not a decimal/,
    );
    rejects(() => verifyConsensusProof(bad({ work: { ...fx.proof.work, nonce: -1 } }), fx.ctx), /nonce/);
  });
});

describe('JSON encoding', () => {
  type Json = Record<string, unknown>;
  /** A copy of the JSON form with the value at `path` replaced (or deleted when `value` is DELETE). */
  const DELETE = Symbol('delete');
  const edit = (path: string, value: unknown): unknown => {
    const j = JSON.parse(JSON.stringify(json)) as Json;
    const keys = path.split('.');
    const last = keys.pop() as string;
    const parent = keys.reduce<Json>((o, k) => o[k] as Json, j);
    if (value === DELETE) delete parent[last];
    else parent[last] = value;
    return j;
  };

  it('round-trips through text', () => {
    const again: ConsensusProofJson = consensusProofToJson(consensusProofFromJson(JSON.stringify(json)));
    expect(again).toEqual(json);
  });

  it('rejects unknown or missing fields, wrong types and bad base64', () => {
    rejects(() => consensusProofFromJson('{'), /not valid JSON/);
    rejects(() => consensusProofFromJson([]), /proof must be an object/);
    rejects(() => consensusProofFromJson(edit('extra', 1)), /unknown field\(s\) extra/);
    rejects(() => consensusProofFromJson(edit('work.nonce', DELETE)), /work lacks nonce/);
    rejects(() => consensusProofFromJson(edit('time.timestamp', '1')), /timestamp must be a non-negative/);
    rejects(() => consensusProofFromJson(edit('work.nonce', 1.5)), /nonce must be a non-negative/);
    rejects(() => consensusProofFromJson(edit('subject.operation', 'theft')), /unknown operation theft/);
    rejects(() => consensusProofFromJson(edit('time.beacon.kind', 'clock')), /unknown beacon kind/);
    rejects(() => consensusProofFromJson(edit('space.root', 'a+b/')), /space root is not base64url/);
    rejects(() => consensusProofFromJson(edit('space.root', 'AB')), /space root must be 32 bytes|canonical/);
    rejects(() => consensusProofFromJson(edit('version', 2)), /unknown proof version 2/);
    rejects(
      () => consensusProofFromJson(edit('time.checkpoints', [...json.time.checkpoints, 'AAAA'])),
      /checkpoint \d+ must be 32 bytes/,
    );
  });
});
