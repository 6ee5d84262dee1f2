// The store subsystem's only entry: other subsystems import from here, never from its files.
export * from './backups';
export * from './database';
export * from './meta-repository';
export * from './peer-repository';
export * from './restore';
export * from './settings-repository';
