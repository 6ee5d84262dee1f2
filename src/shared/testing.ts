import { ValidationError } from './errors';

/**
 * For tests: the messages of the ValidationError that `fn` throws. Any other error is thrown on, so a test fails on
 * it with its own message and stack; returning is a failure too.
 */
export function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map((i) => i.message);
    throw err;
  }
  throw new Error('expected a ValidationError');
}
