import type { ActivityItem, ActivityQuery, Reconciliation } from '../../../../shared/activity';
import type { NodeFailure, Slice } from '../../state/kit';
import type { AppState } from '../../store';

/** The Activity page's filters: each unset filter shows every value. */
export type ActivityFilters = Pick<ActivityQuery, 'direction' | 'kind' | 'state'>;

/** How many items the Activity page shows (history, newest first). */
export const ACTIVITY_SHOWN = 500;

export interface ActivityState {
  /** The filtered list as last known (kept when a later call fails). */
  readonly activity: readonly ActivityItem[] | undefined;
  readonly activityError: NodeFailure | undefined;
  readonly activityFilters: ActivityFilters;
  /** What runs on this machine for others now (the Dashboard's card). */
  readonly runningNow: readonly ActivityItem[] | undefined;
  readonly runningNowError: NodeFailure | undefined;
  readonly reconciliation: Reconciliation | undefined;
  readonly reconciliationError: NodeFailure | undefined;
  readonly refreshActivity: () => Promise<void>;
  readonly refreshRunningNow: () => Promise<void>;
  readonly setActivityFilters: (filters: ActivityFilters) => void;
}

export const createActivitySlice: Slice<AppState, ActivityState> = ({ api, set, get, fetched }) => ({
  activity: undefined,
  activityError: undefined,
  activityFilters: {},
  runningNow: undefined,
  runningNowError: undefined,
  reconciliation: undefined,
  reconciliationError: undefined,

  refreshActivity: async () => {
    const filters = get().activityFilters;
    await Promise.all([
      fetched(
        () => api.getActivity({ ...filters, limit: ACTIVITY_SHOWN }),
        // An answer for filters the user has since changed is dropped: the next poll asks the new ones.
        (activity) => get().activityFilters === filters && set({ activity, activityError: undefined }),
        (activityError) => set({ activityError }),
      ),
      fetched(
        () => api.getReconciliation(),
        (reconciliation) => set({ reconciliation, reconciliationError: undefined }),
        (reconciliationError) => set({ reconciliationError }),
      ),
    ]);
  },

  refreshRunningNow: () =>
    fetched(
      () => api.getActivity({ direction: 'for-others', state: 'running' }),
      (runningNow) => set({ runningNow, runningNowError: undefined }),
      (runningNowError) => set({ runningNowError }),
    ),

  setActivityFilters(activityFilters) {
    set({ activityFilters, activity: undefined });
    void get().refreshActivity();
  },
});
