// The governor subsystem's only entry: other subsystems import from here, never from its files.
export * from './governor';
export * from './node-sharing';
export * from './sensors';
export * from './share-view';
export * from './throttle';
