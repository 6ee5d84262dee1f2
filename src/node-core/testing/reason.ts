/**
 * The `reason` of the error `fn` throws when it is an `errorType`, or 'no error' when `fn` returns. Any other error
 * is thrown on, so a test fails on it with its own message and stack.
 */
export function reasonOf<R>(
  fn: () => unknown,
  errorType: abstract new (...args: never[]) => { readonly reason: R },
): R | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (err) {
    if (err instanceof errorType) return err.reason;
    throw err;
  }
}

/** reasonOf for a promise: the `reason` of its rejection when it is an `errorType`, or 'no error' once it resolves. */
export async function rejectionReason<R>(
  promise: Promise<unknown>,
  errorType: abstract new (...args: never[]) => { readonly reason: R },
): Promise<R | 'no error'> {
  try {
    await promise;
    return 'no error';
  } catch (err) {
    if (err instanceof errorType) return err.reason;
    throw err;
  }
}
