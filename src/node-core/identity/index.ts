// The identity subsystem's only entry: other subsystems import from here, never from its files.
export * from './base32';
export * from './identity';
