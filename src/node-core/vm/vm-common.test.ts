import { describe, expect, it } from 'vitest';
import { MeshError, OverQuotaError } from '../mesh/errors';
import { VmError } from './errors';
import { failureOf } from './vm-common';

describe('failureOf: why a run at a provider failed, as data', () => {
  it('tells a refusal from a provider out of reach', () => {
    expect(failureOf(new VmError('no-lease', 'no cpu lease'))).toEqual({ reason: 'no-lease', message: 'no cpu lease' });
    // The owner answered: it would not lease within its share now.
    const full = new OverQuotaError(
      'allocation at abcd refused: cpu: asked for 1 slots but only 0 of 1 slots are free',
    );
    expect(failureOf(full)).toEqual({ reason: 'refused', message: full.message });
    expect(failureOf(new MeshError('allocation at abcd failed: timed out'))).toMatchObject({ reason: 'unreachable' });
    expect(failureOf('socket closed')).toEqual({ reason: 'unreachable', message: 'socket closed' });
  });
});
