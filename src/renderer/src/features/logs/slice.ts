import type { LogEntry } from '../../../../shared/api/contract';
import type { Slice } from '../../state/kit';
import type { AppState } from '../../store';

export const MAX_LOGS = 2000;

export interface LogsState {
  readonly logs: readonly LogEntry[];
  readonly loadLogs: () => Promise<void>;
  /** A log line the node pushed: appended once (lines may come again after a reconnect). */
  readonly addLog: (entry: LogEntry) => void;
}

export const createLogsSlice: Slice<AppState, LogsState> = ({ api, set, get, loadInto }) => ({
  logs: [],
  loadLogs: () => loadInto(() => api.getLogs({ limit: MAX_LOGS }), 'logs'),
  addLog(entry) {
    const logs = get().logs;
    if (logs.some((l) => l.seq === entry.seq)) return;
    set({ logs: [...logs, entry].slice(-MAX_LOGS) });
  },
});
