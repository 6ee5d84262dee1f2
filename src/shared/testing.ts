import { expect } from 'vitest';
import { ValidationError } from './errors';

/** For tests: the messages of the ValidationError that `fn` throws (the test fails if it throws anything else). */
export function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues.map((i) => i.message);
  }
  throw new Error('expected a ValidationError');
}
