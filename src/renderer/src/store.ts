import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EventMessage, NodeApi } from '../../shared/api/contract';
import { createCoreSlice, type CoreState } from './state/core';
import { makeKit } from './state/kit';
import { createActivitySlice, type ActivityState } from './features/activity/slice';
import { createAssetsSlice, type AssetsState } from './features/assets/slice';
import { createCertificatesSlice, type CertificatesState } from './features/certificates/slice';
import { createDashboardSlice, type DashboardState } from './features/dashboard/slice';
import { createJobsSlice, type JobsState } from './features/jobs/slice';
import { createLogsSlice, type LogsState } from './features/logs/slice';
import { createMarketplaceSlice, type MarketplaceState } from './features/marketplace/slice';
import { createMemorySlice, type MemoryState } from './features/memory/slice';
import { createNetworkSlice, type NetworkState } from './features/network/slice';
import { createNotificationsSlice, type NotificationsState } from './features/notifications/slice';
import { createSharingSlice, type SharingState } from './features/sharing/slice';
import { createWalletSlice, type WalletState } from './features/wallet/slice';

export type { ActionResult, NodeFailure } from './state/kit';
export type { Connection } from './state/core';
export type { SaveError } from './features/sharing/slice';
export type { NameResolution } from './features/certificates/slice';
export type { ConnectedPeer, TrafficSample } from './features/network/slice';
export { JOBS_SHOWN, type JobLists } from './features/jobs/slice';
export { DEFAULT_EARNINGS_DAYS } from './features/wallet/slice';

/** The one store the pages see: every feature's slice, and the node's pushed events. */
export type AppState = CoreState &
  SharingState &
  LogsState &
  DashboardState &
  NetworkState &
  CertificatesState &
  AssetsState &
  MarketplaceState &
  WalletState &
  MemoryState &
  JobsState &
  ActivityState &
  NotificationsState & {
    readonly onEvent: (message: EventMessage) => void;
  };

export function createAppStore(api: NodeApi): StoreApi<AppState> {
  return createStore<AppState>()((set, get) => {
    const kit = makeKit<AppState>(api, set, get);
    return {
      ...createCoreSlice(kit),
      ...createSharingSlice(kit),
      ...createLogsSlice(kit),
      ...createDashboardSlice(kit),
      ...createNetworkSlice(kit),
      ...createCertificatesSlice(kit),
      ...createAssetsSlice(kit),
      ...createMarketplaceSlice(kit),
      ...createWalletSlice(kit),
      ...createMemorySlice(kit),
      ...createJobsSlice(kit),
      ...createActivitySlice(kit),
      ...createNotificationsSlice(kit),

      onEvent(message) {
        switch (message.event) {
          case 'settingsChanged':
            set({ settings: message.payload });
            break;
          case 'status':
            set({ status: message.payload });
            break;
          case 'log':
            get().addLog(message.payload);
            break;
          case 'wallet':
            get().walletChanged(message.payload);
            break;
          case 'notice':
            get().showNotice(message.payload);
            break;
        }
      },
    };
  });
}

export const StoreContext = createContext<StoreApi<AppState> | null>(null);

export function useApp<T>(selector: (state: AppState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp outside StoreContext');
  return useStore(store, selector);
}

/** Several fields of the store at once, instead of one useApp line each; re-renders when any of them changes. */
export function useAppFields<K extends keyof AppState>(...keys: K[]): Pick<AppState, K> {
  return useApp(useShallow((s) => Object.fromEntries(keys.map((k) => [k, s[k]])) as Pick<AppState, K>));
}
