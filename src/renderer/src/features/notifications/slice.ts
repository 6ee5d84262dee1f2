import type { Notice } from '../../../../shared/notifications';
import type { Slice } from '../../state/kit';
import type { AppState } from '../../store';

/** The most toasts shown at once; older ones make room. */
const MAX_TOASTS = 4;

export interface Toast {
  readonly id: number;
  readonly notice: Notice;
}

export interface NotificationsState {
  /** Notices shown as in-app toasts (the browser; the desktop app shows system notifications instead). */
  readonly toasts: readonly Toast[];
  readonly showNotice: (notice: Notice) => void;
  readonly dismissToast: (id: number) => void;
}

export const createNotificationsSlice: Slice<AppState, NotificationsState> = ({ set, get }) => {
  let nextId = 1;
  return {
    toasts: [],
    showNotice(notice) {
      set({ toasts: [...get().toasts, { id: nextId++, notice }].slice(-MAX_TOASTS) });
    },
    dismissToast(id) {
      set({ toasts: get().toasts.filter((t) => t.id !== id) });
    },
  };
};
