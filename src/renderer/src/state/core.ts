import type { NodeStatus } from '../../../shared/api/contract';
import type { HardwareInfo } from '../../../shared/hardware';
import type { AppState } from '../store';
import { messageOf, type ConnectionFields, type Slice } from './kit';

export type Connection = ConnectionFields['connection'];

/** The connection to the node, its status and hardware: what the frame around every page shows. */
export interface CoreState extends ConnectionFields {
  readonly status: NodeStatus | undefined;
  readonly hardware: HardwareInfo | undefined;
  readonly hardwareError: string | undefined;
  readonly load: () => Promise<void>;
  readonly refreshStatus: () => Promise<void>;
  readonly setConnection: (live: boolean) => void;
}

export const createCoreSlice: Slice<AppState, CoreState> = ({ api, set, get, fail }) => ({
  connection: 'connecting',
  connectionError: undefined,
  status: undefined,
  hardware: undefined,
  hardwareError: undefined,

  async load() {
    try {
      const [status, settings] = await Promise.all([api.getStatus(), api.getSettings()]);
      set({ status, settings, connection: 'live', connectionError: undefined });
    } catch (err) {
      fail(err);
      return;
    }
    try {
      set({ hardware: await api.getHardware() });
    } catch (err) {
      set({ hardwareError: messageOf(err) });
    }
  },

  async refreshStatus() {
    try {
      set({ status: await api.getStatus(), connection: 'live' });
    } catch (err) {
      fail(err);
    }
  },

  setConnection(live) {
    if (get().connection === 'unauthorized') return;
    if (live) void get().load();
    else set({ connection: 'offline' });
  },
});
