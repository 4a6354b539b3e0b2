/**
 * A tiny path router: the console lives under `/console/`, the public watch page under `/watch/{id}`.
 * Links push history entries; back/forward re-render. No hash routes, so URLs are shareable.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'streams' }
  | { page: 'stream'; id: string }
  | { page: 'webhooks' }
  | { page: 'watch'; id: string }
  | { page: 'not-found' };

const ID = '([a-z]{2,4}_[A-Za-z0-9]{1,64})';

export function parseRoute(pathname: string): Route {
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^/watch/${ID}/?$`).exec(pathname))) return { page: 'watch', id: m[1]! };
  if (/^\/console\/?$/.test(pathname) || /^\/console\/streams\/?$/.test(pathname)) return { page: 'streams' };
  if ((m = new RegExp(`^/console/streams/${ID}/?$`).exec(pathname))) return { page: 'stream', id: m[1]! };
  if (/^\/console\/webhooks\/?$/.test(pathname)) return { page: 'webhooks' };
  return { page: 'not-found' };
}

export function navigate(path: string): void {
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return route;
}

/** Left clicks on in-app links navigate without a reload; modified clicks open tabs as usual. */
export function onLinkClick(event: MouseEvent): void {
  const target = (event.target as Element | null)?.closest?.('a');
  if (!target || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = target.getAttribute('href');
  if (!href || !href.startsWith('/console') || target.target) return;
  event.preventDefault();
  navigate(href);
}
