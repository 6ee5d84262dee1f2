import type { UsageSnapshot } from '../../../../shared/hardware';
import type { EarningsPoint } from '../../../../shared/ledger';
import type { NodeFailure, Slice } from '../../state/kit';
import type { AppState } from '../../store';
import { DASHBOARD_EARNINGS_DAYS } from './dashboard';

export interface DashboardState {
  readonly usage: UsageSnapshot | undefined;
  readonly refreshUsage: () => Promise<void>;
  /** Hourly earnings over the Dashboard's 30 days (the Wallet page's chart has its own period). */
  readonly dashboardEarnings: readonly EarningsPoint[] | undefined;
  readonly dashboardEarningsError: NodeFailure | undefined;
  readonly refreshDashboardEarnings: () => Promise<void>;
}

export const createDashboardSlice: Slice<AppState, DashboardState> = ({ api, set, fetched }) => ({
  usage: undefined,
  refreshUsage: () =>
    fetched(
      () => api.getUsage(),
      (usage) => set({ usage }),
    ),
  dashboardEarnings: undefined,
  dashboardEarningsError: undefined,
  refreshDashboardEarnings: () =>
    fetched(
      () => api.getEarnings(DASHBOARD_EARNINGS_DAYS),
      (dashboardEarnings) => set({ dashboardEarnings, dashboardEarningsError: undefined }),
      (dashboardEarningsError) => set({ dashboardEarningsError }),
    ),
});
