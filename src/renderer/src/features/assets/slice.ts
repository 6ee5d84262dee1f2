import type { AssetView } from '../../../../shared/assets';
import type { Slice } from '../../state/kit';
import type { AppState } from '../../store';

export interface AssetsState {
  readonly assets: readonly AssetView[] | undefined;
  readonly refreshAssets: () => Promise<void>;
}

export const createAssetsSlice: Slice<AppState, AssetsState> = ({ api, loadInto }) => ({
  assets: undefined,
  refreshAssets: () => loadInto(() => api.getAssets(), 'assets'),
});
