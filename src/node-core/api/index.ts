// The api subsystem's only entry: other subsystems import from here, never from its files.
export * from './dispatch';
export * from './http-server';
export * from './part';
export * from './port-carrier';
