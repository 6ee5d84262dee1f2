import { BinaryReader, BinaryWriter, signingInput, withSignature } from '../codec';
import { LedgerRuleError } from './errors';

/**
 * The ledger's canonical binary encoding is the shared one (../codec): big-endian integers, str = u16 length ‖
 * UTF-8, bytes = u32 length ‖ data, amounts as u64 base units. A malformed input throws
 * LedgerRuleError('encoding') naming the field.
 */
export { BinaryWriter as Writer, signingInput, withSignature };

function fail(message: string): never {
  throw new LedgerRuleError('encoding', message);
}

export class Reader extends BinaryReader {
  constructor(bytes: Uint8Array) {
    super(bytes, fail);
  }
}
