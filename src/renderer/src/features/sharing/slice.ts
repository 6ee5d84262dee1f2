import type { NodeApi } from '../../../../shared/api/contract';
import type { ValidationIssue } from '../../../../shared/errors';
import { RemoteError } from '../../../../shared/errors';
import type { Settings } from '../../../../shared/settings';
import type { PauseRequest } from '../../../../shared/sharing-view';
import { messageOf, type Slice } from '../../state/kit';
import type { AppState } from '../../store';

export interface SaveError {
  readonly message: string;
  readonly issues: readonly ValidationIssue[];
}

/** The settings, the Sharing page's unsaved draft, and pausing (the Sharing, Settings and Dashboard pages). */
export interface SharingState {
  readonly settings: Settings | undefined;
  /** The user's edits on the Sharing page, not yet saved; undefined when there are none. */
  readonly draft: Settings | undefined;
  readonly saving: boolean;
  readonly saveError: SaveError | undefined;
  readonly savedAt: number | undefined;
  readonly editDraft: (change: (current: Settings) => Settings) => void;
  readonly discardDraft: () => void;
  readonly saveDraft: () => Promise<void>;
  /** Applies one change at once (pause all, theme): no draft step. Resolves with the error if it was refused. */
  readonly applyNow: (patch: Parameters<NodeApi['updateSettings']>[0]) => Promise<SaveError | undefined>;
  /** Snooze and resume (the Dashboard); resolve with the error if the node refused, then the status is asked again. */
  readonly pauseSharing: (request: PauseRequest) => Promise<string | undefined>;
  readonly resumeSharing: () => Promise<string | undefined>;
}

const saveErrorOf = (err: unknown): SaveError => ({
  message: messageOf(err),
  issues: err instanceof RemoteError ? (err.details?.issues ?? []) : [],
});

export const createSharingSlice: Slice<AppState, SharingState> = ({ api, set, get }) => {
  /** Pause and resume: the node's refusal as text, or undefined once the status has been asked again. */
  const pauseCall = async (call: () => Promise<unknown>): Promise<string | undefined> => {
    try {
      await call();
      await get().refreshStatus();
      return undefined;
    } catch (err) {
      return messageOf(err);
    }
  };
  return {
    settings: undefined,
    draft: undefined,
    saving: false,
    saveError: undefined,
    savedAt: undefined,

    editDraft(change) {
      const base = get().draft ?? get().settings;
      if (!base) return;
      set({ draft: change(base) });
    },

    discardDraft() {
      set({ draft: undefined, saveError: undefined });
    },

    async saveDraft() {
      const draft = get().draft;
      if (!draft) return;
      set({ saving: true });
      try {
        const settings = await api.updateSettings(draft);
        set({ settings, draft: undefined, saveError: undefined, saving: false, savedAt: Date.now() });
        await get().refreshStatus();
      } catch (err) {
        set({ saving: false, saveError: saveErrorOf(err) });
      }
    },

    async applyNow(patch) {
      try {
        const settings = await api.updateSettings(patch);
        set({ settings, savedAt: Date.now() });
        await get().refreshStatus();
        return undefined;
      } catch (err) {
        const saveError = saveErrorOf(err);
        set({ saveError });
        return saveError;
      }
    },

    pauseSharing: (request) => pauseCall(() => api.pauseSharing(request)),
    resumeSharing: () => pauseCall(() => api.resumeSharing()),
  };
};
