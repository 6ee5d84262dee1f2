/**
 * Polls `probe` every 200 ms until it returns something other than undefined or false; fails after `ms`. The default
 * is a bound, not an expectation: many times what a wait takes on a loaded machine, with room for a peer whose first
 * dials failed to be dialled again (5, 10, then 20 s later, each ±50 %: mesh/redial.ts).
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 120_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
