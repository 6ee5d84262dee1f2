// The proxy subsystem's only entry: other subsystems import from here, never from its files.
export * from './api';
export * from './service';
