export * from './compute';
export * from './encoding';
export { ConsensusError, type ConsensusFailure } from './errors';
export * from './params';
export * from './proof';
export * from './space';
export * from './time';
export * from './types';
export * from './work';
