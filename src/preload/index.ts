import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { EventMessage } from '../shared/api/contract';
import { IPC_CALL, IPC_EVENT } from '../shared/api/ipc-channels';

// The renderer's only way to the node: one call and one event stream, nothing else of Node or Electron.
contextBridge.exposeInMainWorld('nodeBridge', {
  invoke: (method: string, args: readonly unknown[]): Promise<unknown> => ipcRenderer.invoke(IPC_CALL, method, args),
  onEvent(listener: (message: EventMessage) => void): () => void {
    const handler = (_event: IpcRendererEvent, message: EventMessage) => listener(message);
    ipcRenderer.on(IPC_EVENT, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, handler);
    };
  },
});
