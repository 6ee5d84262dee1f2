import type { UsageSnapshot } from '../../../../shared/hardware';
import type { Slice } from '../../state/kit';
import type { AppState } from '../../store';

export interface DashboardState {
  readonly usage: UsageSnapshot | undefined;
  readonly refreshUsage: () => Promise<void>;
}

export const createDashboardSlice: Slice<AppState, DashboardState> = ({ api, set, fetched }) => ({
  usage: undefined,
  refreshUsage: () =>
    fetched(
      () => api.getUsage(),
      (usage) => set({ usage }),
    ),
});
