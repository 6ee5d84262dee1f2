// The config subsystem's only entry: other subsystems import from here, never from its files.
export * from './data-dir';
