/**
 * The console's entry: the shell (navigation, connection state), the shared connection and
 * symbols, and the router that mounts one page at a time (a page disposes of its subscriptions,
 * timers and charts when left).
 */
import { adminPage } from './admin.ts';
import type { App, Page, PageFactory, SymbolInfo } from './app.ts';
import { h, setText } from './dom.ts';
import { FrameLoop } from './frame.ts';
import { marketPage } from './market.ts';
import { opsPage } from './ops.ts';
import { api } from './rest.ts';
import { startRouter } from './router.ts';
import type { Route } from './router.ts';
import { installTestHook } from './testhook.ts';
import { tradePage } from './trade.ts';
import { Connection } from './ws.ts';

const PAGES: Record<Route, { title: string; make: PageFactory }> = {
  market: { title: 'Market', make: marketPage },
  trade: { title: 'Trade', make: tradePage },
  ops: { title: 'Operations', make: opsPage },
  admin: { title: 'Admin', make: adminPage },
};

async function loadSymbols(status: HTMLElement): Promise<SymbolInfo[]> {
  for (let attempt = 0; ; attempt++) {
    const a = await api('GET', '/v1/symbols');
    if (a.ok && Array.isArray(a.body.value)) return a.body.value as SymbolInfo[];
    setText(status, `Loading symbols failed (${a.status ? `HTTP ${a.status}` : 'server unreachable'}); retrying…`);
    await new Promise((r) => setTimeout(r, Math.min(5000, 500 * 2 ** attempt)));
  }
}

async function boot(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) return;
  const main = h('main', { id: 'main', tabindex: '-1' });
  const loading = h('p', { class: 'loading', role: 'status' }, 'Loading…');
  main.append(loading);
  const conn = new Connection(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  const connState = h('span', { class: 'conn connecting', 'data-testid': 'conn-state', role: 'status', 'aria-live': 'polite', title: 'WebSocket connection' }, 'connecting');
  const links = new Map<Route, HTMLAnchorElement>();
  const nav = h('nav', { 'aria-label': 'Pages' }, ...(Object.keys(PAGES) as Route[]).map((r) => {
    const a = h('a', { href: `#/${r}`, 'data-testid': `nav-${r}` }, PAGES[r].title);
    links.set(r, a);
    return a;
  }));
  root.replaceChildren(h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h('header', { class: 'top' }, h('span', { class: 'brand' }, 'ringmatch'), nav, h('span', { class: 'conn-wrap' }, 'Connection: ', connState)),
    main);
  // The skip link must not change the route.
  root.querySelector('.skip')?.addEventListener('click', (e) => { e.preventDefault(); main.focus(); });

  // connecting → syncing (open, snapshots still coming) → live; reconnecting while the socket is down.
  conn.onState(() => {
    setText(connState, conn.state);
    connState.className = `conn ${conn.state}`;
  });
  installTestHook(conn);
  conn.start();

  const symbols = await loadSymbols(loading);
  const app: App = {
    conn,
    frames: new FrameLoop(),
    symbols,
    symbol: symbols[0]?.symbol ?? '',
    setSymbol(s) { app.symbol = s; },
    info: (s) => symbols.find((x) => x.symbol === s),
  };

  let page: Page | null = null;
  startRouter((r) => {
    page?.dispose();
    page = PAGES[r].make(app);
    main.replaceChildren(page.el);
    document.title = `${PAGES[r].title} · ringmatch`;
    for (const [name, a] of links) {
      if (name === r) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  });
}

void boot();
