import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors';
import { validateCall } from './validators';

describe('the Activity calls’ argument checkers', () => {
  it('accepts a query with every filter, and an empty one', () => {
    const query = { direction: 'for-others', kind: 'job', state: 'running', since: '2026-01-01T00:00:00Z', limit: 5 };
    expect(validateCall('getActivity', [query]).args).toEqual([query]);
    expect(validateCall('getActivity', [{}]).args).toEqual([{}]);
  });

  it('refuses unknown filters and values, bad times and limits', () => {
    expect(() => validateCall('getActivity', [{ direction: 'sideways' }])).toThrow(/query.direction must be one of/);
    expect(() => validateCall('getActivity', [{ kind: 'gpu' }])).toThrow(/query.kind must be one of/);
    expect(() => validateCall('getActivity', [{ state: 'paused' }])).toThrow(/query.state must be one of/);
    expect(() => validateCall('getActivity', [{ since: 'yesterday' }])).toThrow(/query.since must be an ISO time/);
    expect(() => validateCall('getActivity', [{ since: 12 }])).toThrow(/query.since must be an ISO time/);
    expect(() => validateCall('getActivity', [{ limit: 0 }])).toThrow(/query.limit must be an integer 1–1000/);
    expect(() => validateCall('getActivity', [{ limit: 1001 }])).toThrow(ValidationError);
    expect(() => validateCall('getActivity', [{ peer: 'x' }])).toThrow(/query.peer is not a known/);
    expect(() => validateCall('getActivity', ['all'])).toThrow(/query must be an object/);
  });

  it('takes a job or lease id for the receipt trail, nothing else', () => {
    expect(validateCall('getReceiptTrail', ['job:0a1b']).args).toEqual(['job:0a1b']);
    expect(validateCall('getReceiptTrail', ['lease:ab-12_cd']).args).toEqual(['lease:ab-12_cd']);
    for (const bad of ['0a1b', 'mapping:x', 'job:', 'job:a b', `lease:${'a'.repeat(129)}`, 7])
      expect(() => validateCall('getReceiptTrail', [bad])).toThrow(/id must be job:<id> or lease:<id>/);
    expect(() => validateCall('getReconciliation', [1])).toThrow('expected no arguments, got 1');
  });
});
