// The transport subsystem's only entry: other subsystems import from here, never from its files.
export * from './resolve-address';
export * from './stoq/endpoint';
export * from './stoq/frames';
export * from './stoq/json-call';
export * from './stoq/node-certificate';
export * from './stoq/rpc';
export * from './stoq/transport';
