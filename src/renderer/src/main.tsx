import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createApiClient } from './api/client';
import { ApiContext } from './api/context';
import { electronTransport, httpTransport, takeTokenFromLocation, type ApiTransport } from './api/transport';
import { createAppStore, StoreContext } from './store';
import './styles.css';

function chooseTransport(): ApiTransport {
  if (window.nodeBridge) return electronTransport(window.nodeBridge);
  const token = takeTokenFromLocation(window.location, window.sessionStorage, window.history) ?? '';
  return httpTransport(window.location.origin, token);
}

const transport = chooseTransport();
const api = createApiClient(transport);
const store = createAppStore(api);
transport.subscribe(
  (message) => store.getState().onEvent(message),
  (live) => store.getState().setConnection(live),
);
void store.getState().load();
// Uptime and health are cheap to read; a slow poll keeps them right even if an event was missed.
setInterval(() => {
  if (store.getState().connection !== 'unauthorized') void store.getState().refreshStatus();
}, 10_000);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <ApiContext.Provider value={api}>
        <StoreContext.Provider value={store}>
          <App inElectron={transport.kind === 'electron'} />
        </StoreContext.Provider>
      </ApiContext.Provider>
    </StrictMode>,
  );
}
