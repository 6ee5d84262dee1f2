import { describe, expect, it } from 'vitest';
import { MAX_AMOUNT_UNITS, formatAmount, parseAmount } from './amount';

describe('Caesar amounts', () => {
  it('parses decimal strings into base units and formats them back', () => {
    expect(parseAmount('12.5')).toBe(1_250_000_000n);
    expect(parseAmount('0.00000001')).toBe(1n);
    expect(parseAmount('0')).toBe(0n);
    expect(formatAmount(1_250_000_000n)).toBe('12.5');
    expect(formatAmount(1n)).toBe('0.00000001');
    expect(formatAmount(300_000_000n)).toBe('3');
    expect(formatAmount(-5n)).toBe('-0.00000005');
    for (const text of ['0.1', '7', '123456.78901234', '10000000000'])
      expect(formatAmount(parseAmount(text))).toBe(text);
  });

  it('adds without floating-point error', () => {
    expect(formatAmount(parseAmount('0.1') + parseAmount('0.2'))).toBe('0.3');
  });

  it.each([['-1'], ['1e3'], ['0.123456789'], ['01'], ['1.'], ['.5'], [' 1'], ['NaN'], [''], [12], [null]])(
    'refuses %j',
    (bad) => {
      expect(() => parseAmount(bad)).toThrow(/decimal string/);
    },
  );

  it('refuses amounts over the maximum', () => {
    expect(formatAmount(MAX_AMOUNT_UNITS)).toBe('10000000000');
    expect(MAX_AMOUNT_UNITS < 2n ** 63n).toBe(true); // fits the ledger's 64-bit amount fields
    expect(() => parseAmount('10000000000.00000001')).toThrow(/at most/);
  });
});
