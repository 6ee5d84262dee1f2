/**
 * Caesar amounts. In code an amount is a bigint count of base units; on the wire and in the UI it is a decimal
 * string with up to 8 decimals ("12.5" = 1,250,000,000 units). Never a floating-point number.
 */
export const CAESAR_DECIMALS = 8;
export const UNITS_PER_CAESAR = 10n ** BigInt(CAESAR_DECIMALS);
/** The largest amount anything may carry: 10^10 Caesar (10^18 units), far above any supply, below 2^63 units. */
export const MAX_AMOUNT_UNITS = 10n ** 10n * UNITS_PER_CAESAR;

const DECIMAL = /^(0|[1-9]\d{0,10})(\.\d{1,8})?$/;

export class AmountError extends Error {
  override readonly name = 'AmountError';
}

/** Parses "12.5" into base units; refuses signs, exponents, more than 8 decimals and amounts over the maximum. */
export function parseAmount(text: unknown): bigint {
  if (typeof text !== 'string' || !DECIMAL.test(text)) {
    throw new AmountError(
      `an amount must be a decimal string with up to ${CAESAR_DECIMALS} decimals, such as "12.5", got ${JSON.stringify(text)}`,
    );
  }
  const [whole = '0', fraction = ''] = text.split('.');
  const units = BigInt(whole) * UNITS_PER_CAESAR + BigInt(fraction.padEnd(CAESAR_DECIMALS, '0'));
  if (units > MAX_AMOUNT_UNITS) throw new AmountError(`an amount may be at most ${formatAmount(MAX_AMOUNT_UNITS)}`);
  return units;
}

/** Formats base units as the shortest decimal string ("12.5", "0.00000001", "3"). */
export function formatAmount(units: bigint): string {
  if (units < 0n) return `-${formatAmount(-units)}`;
  const whole = units / UNITS_PER_CAESAR;
  const fraction = (units % UNITS_PER_CAESAR).toString().padStart(CAESAR_DECIMALS, '0').replace(/0+$/, '');
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`;
}
