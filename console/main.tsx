/// <reference lib="dom" />
/**
 * The web console's entry: reads the deployment's config.json, then renders either the public watch
 * page (`/watch/{id}`, no token) or the signed-in console (`/console/...`). The token lives in
 * sessionStorage only; a 401 from the API signs out.
 */
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiClient, ApiError, type Problem } from './api';
import { ProblemBox } from './components/common';
import { StreamPage } from './pages/stream';
import { StreamsPage } from './pages/streams';
import { SignIn } from './pages/sign-in';
import { WatchPage } from './pages/watch';
import { WebhooksPage } from './pages/webhooks';
import { onLinkClick, useRoute } from './router';
import { forgetToken, loadConfig, loadToken, saveToken, type ConsoleConfig } from './session';

function App({ config }: { config: ConsoleConfig }) {
  const route = useRoute();
  const [token, setToken] = useState(loadToken);
  const [expired, setExpired] = useState<Problem | undefined>(undefined);
  const signOut = () => {
    forgetToken();
    setToken(undefined);
  };
  const api = useMemo(
    () =>
      token
        ? new ApiClient({
            apiBase: config.apiBase,
            token,
            onUnauthorized: (problem) => {
              setExpired(problem);
              signOut();
            },
          })
        : undefined,
    [token, config.apiBase],
  );
  useEffect(() => {
    document.title = route.page === 'watch' ? 'Watch' : 'Streamplane console';
  }, [route.page]);

  if (route.page === 'watch') return <WatchPage id={route.id} playbackBase={config.playbackBase} />;
  if (!api) {
    return (
      <>
        {expired ? <ProblemBox error={new ApiError(expired)} /> : null}
        <SignIn
          apiBase={config.apiBase}
          onSignedIn={(t) => {
            saveToken(t);
            setExpired(undefined);
            setToken(t);
          }}
        />
      </>
    );
  }
  return (
    <div class="shell" onClick={(e) => onLinkClick(e as unknown as MouseEvent)}>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="top">
        <a href="/console/" class="brand">
          Streamplane
        </a>
        <nav aria-label="Main">
          <a href="/console/" aria-current={route.page === 'streams' || route.page === 'stream' ? 'page' : undefined}>
            Streams
          </a>
          <a href="/console/webhooks" aria-current={route.page === 'webhooks' ? 'page' : undefined}>
            Webhooks
          </a>
          <a href={`${config.apiBase}/v1/openapi.json`} target="_blank" rel="noopener">
            API
          </a>
        </nav>
        <button type="button" class="secondary small" onClick={signOut}>
          Sign out
        </button>
      </header>
      <div id="content">
        {route.page === 'streams' ? <StreamsPage api={api} /> : null}
        {route.page === 'stream' ? <StreamPage key={route.id} api={api} id={route.id} /> : null}
        {route.page === 'webhooks' ? <WebhooksPage api={api} /> : null}
        {route.page === 'not-found' ? (
          <main>
            <h1>Not found</h1>
            <p>
              <a href="/console/">Back to the streams</a>
            </p>
          </main>
        ) : null}
      </div>
    </div>
  );
}

void loadConfig().then((config) => {
  const root = document.getElementById('app');
  if (root) render(<App config={config} />, root);
});
