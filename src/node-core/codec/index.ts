export { BinaryReader, BinaryWriter, signingInput, withSignature, type DecodeFail } from './binary';
