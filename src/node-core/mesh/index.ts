// The mesh's only public entry: other subsystems import from here, never from the files behind it.
export {
  Mesh,
  MeshError,
  OverQuotaError,
  MESH_CHAIN_METHOD,
  MESH_SYNC_METHOD,
  reachabilityOf,
  type MeshOptions,
} from './mesh';
export { ANNOUNCE_TOPIC, type MeshLibp2p } from './libp2p-node';
export { TRUST_FLOOR } from './peer-book';
export * from './api';
