export { createNode, type HyperMeshNode, type NodeConfig, type NodeOverrides } from './node';
export { createDispatch, type Dispatch } from './api/dispatch';
export { createApiServer, type ApiServer } from './api/http-server';
export { defaultDataDir } from './config/data-dir';
export { LogBook, type Logger } from './logging/log-book';
