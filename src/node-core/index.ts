export { createNode, type HyperMeshNode, type NodeConfig, type NodeOverrides } from './node';
export { createDispatch, type Dispatch } from './api/index';
export { createApiServer, type ApiServer } from './api/index';
export { defaultDataDir } from './config/index';
export { LogBook, type Logger } from './logging/index';
