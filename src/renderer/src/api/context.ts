import { createContext, useContext } from 'react';
import type { NodeApi } from '../../../shared/api/contract';

/**
 * The client, for a page that calls the node itself (a one-off action or a read the store does not keep); state
 * several pages share goes through the store. Tests pass any NodeApi.
 */
export const ApiContext = createContext<NodeApi | null>(null);

export function useApi(): NodeApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi needs an <ApiContext.Provider> (main.tsx provides the client)');
  return api;
}
