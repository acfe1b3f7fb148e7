/** Hash routes: `#/market`, `#/trade`, `#/ops`, `#/admin` (anything else goes to the market). */

export const ROUTES = ['market', 'trade', 'ops', 'admin'] as const;
export type Route = (typeof ROUTES)[number];

export function currentRoute(): Route {
  const name = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : 'market';
}

/** Call `onRoute` now and on every hash change. */
export function startRouter(onRoute: (r: Route) => void): void {
  window.addEventListener('hashchange', () => onRoute(currentRoute()));
  onRoute(currentRoute());
}
