// The vm subsystem's only entry: other subsystems import from here, never from its files.
export * from './api';
export * from './cpu-throttle';
export * from './gpu/executor';
export * from './sandbox';
export * from './service';
