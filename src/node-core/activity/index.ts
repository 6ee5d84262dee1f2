// The activity subsystem's only entry: it reads the vm, mesh, proxy and ledger through their entries (docs/activity.md).
export * from './api';
export { activityItems, receiptTrail } from './assemble';
export { ActivityNotFoundError } from './errors';
export type { ActivitySources } from './sources';
