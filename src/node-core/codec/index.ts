export { BinaryReader, BinaryWriter, type DecodeFail } from './binary';
