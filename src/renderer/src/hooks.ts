import { useEffect } from 'react';

/** Calls `refresh` now and every `intervalMs` while the component is shown. */
export function usePolling(refresh: () => Promise<void>, intervalMs: number): void {
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), intervalMs);
    return () => clearInterval(timer);
  }, [refresh, intervalMs]);
}
