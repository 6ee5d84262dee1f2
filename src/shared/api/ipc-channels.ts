/** Electron IPC channel names shared by main and preload. */
export const IPC_CALL = 'hypermesh:call';
export const IPC_EVENT = 'hypermesh:event';
