export { TrustError } from './errors';
export { hash, sameBytes } from './hash';
export * from './merkle';
export * from './pq-pool';
export * from './worker-pool';
