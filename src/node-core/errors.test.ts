import { describe, expect, it } from 'vitest';
import { ErrorCode, HyperMeshError } from '../shared/errors';
import { ConsensusError } from './consensus/index';
import { LedgerRuleError } from './ledger/index';

describe('errors with a stable reason', () => {
  it('carry the code and the reason, lead their message with the reason, and put both in the body', () => {
    const cause = new Error('underneath');
    const err = new LedgerRuleError('nonce', 'expected 4, got 2', { cause });
    expect(err).toBeInstanceOf(HyperMeshError);
    expect(err).toBeInstanceOf(LedgerRuleError);
    expect(err.name).toBe('LedgerRuleError');
    expect(err.reason).toBe('nonce');
    expect(err.cause).toBe(cause);
    expect(err.toBody()).toEqual({
      code: ErrorCode.LedgerRejected,
      message: 'nonce: expected 4, got 2',
      reason: 'nonce',
    });
    const other = new ConsensusError('time.skew', 'ahead by 9 s');
    expect(other).not.toBeInstanceOf(LedgerRuleError);
    expect(other.toBody()).toEqual({ code: ErrorCode.Trust, message: 'time.skew: ahead by 9 s', reason: 'time.skew' });
  });
});
