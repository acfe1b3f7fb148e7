/**
 * Trade page: the API key (sessionStorage only), order entry with client-side grid checks and the
 * server's refusal shown verbatim, a ladder of the selected symbol with this account's prices
 * marked, open orders with cancel and replace, fills, credit and positions.
 *
 * Order entry covers every order type the engine takes: limit, market, stop, stop-limit (with
 * iceberg, GTD, post-only, self-trade prevention) and one-cancels-other (`new_oco`: a limit leg and
 * a stop or stop-limit leg, same side and quantity). A waiting stop's stop price can be replaced.
 *
 * Reads go over REST (`GET /v1/orders`, `/v1/fills`, `/v1/account`), kept live by the execution
 * reports on the authenticated WebSocket and reloaded once the connection is authenticated again
 * after a reconnect (reports reach only authenticated connections: a reload before the auth_ack
 * could miss some). Commands (new, cancel, replace) and the key check go over that WebSocket: a refusal there is a message the page shows,
 * while over HTTP every refused order (422) or unknown key (401) would also print a "Failed to load
 * resource" error in the browser console, which an operator must be able to keep clean. A fresh
 * client order id per submit (the REST path's Idempotency-Key) makes a resubmit a new order.
 */
import type { App, Page } from './app.ts';
import { BookState, Ladder } from './book.ts';
import { cmpDec, gridProblem } from './decimal.ts';
import { cell, field, h, select, setOptions, setText, table } from './dom.ts';
import { orDash, timeOfDay } from './format.ts';
import { Fills, OpenOrders } from './orders.ts';
import type { Fill, Order } from './orders.ts';
import { api, refusalName, refusalText } from './rest.ts';
import { keys } from './session.ts';
import { ORDER_TYPES, ORDER_TYPE_LABELS, STPS, TIFS, maxQtyProblem, newClientOrderId, uses, validateOrder } from './validate.ts';
import type { OrderInput, OrderType } from './validate.ts';
import type { Msg, Topic } from './ws.ts';

/**
 * Show the answer to a command in a status element: `accepted(report)`, or the server's refusal
 * verbatim (a `rejected` report's rejectText, else an error's message, else the reason's name).
 */
function showAnswer(into: HTMLElement, m: Msg | null, accepted: (r: Msg) => string): void {
  if (m === null) {
    into.className = 'result refused';
    into.replaceChildren('No answer: the connection is down or the server did not answer within 10 s. The command may or may not have taken effect: check the open orders once live.');
    return;
  }
  const refused = m.type === 'error' || m.execType === 'rejected';
  into.className = `result ${refused ? 'refused' : 'accepted'}`;
  if (!refused) {
    into.replaceChildren(accepted(m));
    return;
  }
  const name = refusalName(m);
  into.replaceChildren(h('strong', null, `Refused${name ? ` (${name})` : ''}: `), h('span', { class: 'verbatim', 'data-testid': 'refusal-text' }, refusalText(m)));
}

export function tradePage(app: App): Page {
  let apiKey: string | null = null;
  /** The connection is authenticated for the key in use (its reports flow) and the views were loaded since. */
  let authed = false;
  const orders = new OpenOrders();
  const fills = new Fills();
  let account: Record<string, unknown> | null = null;
  let accountVersion = 0;
  const book = new BookState();
  const ladder = new Ladder(9);

  const render = (): void => {
    ladder.render(book, mine());
    renderOrders();
    renderFills();
    renderAccount();
  };
  const dirty = (): void => app.frames.mark(render);

  // ---- API key ----------------------------------------------------------------------------
  const keyInput = h('input', { type: 'password', id: 'api-key', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'api-key', required: true });
  const keyStatus = h('p', { class: 'msg', role: 'status', 'data-testid': 'key-status' });
  const keyForm = h('form', { class: 'key-form', 'data-testid': 'key-form' },
    field('API key', keyInput, 'kept in this tab only (sessionStorage)'), h('button', { type: 'submit', 'data-testid': 'key-submit' }, 'Use key'), keyStatus);
  const accountName = h('strong', { 'data-testid': 'account-name' });
  const forget = h('button', { type: 'button', 'data-testid': 'forget-key' }, 'Forget key');
  const whoami = h('div', { class: 'whoami', hidden: true }, 'Account ', accountName, ' ', forget);

  /** A key being checked: the WebSocket's `auth` answers (auth_ack or AUTH_FAILED), see onState below. */
  let checking: string | null = null;
  keyForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const k = keyInput.value.trim();
    if (!k) return;
    setText(keyStatus, 'checking the key…');
    checking = k;
    app.conn.setAuth(k);
    keyChecked();
  });

  function keyChecked(): void {
    if (checking === null) return;
    if (app.conn.account) {
      const k = checking;
      checking = null;
      keyInput.value = '';
      setText(keyStatus, '');
      keys.setApi(k);
      signIn(k);
    } else if (app.conn.authError) {
      setText(keyStatus, `Key refused: ${app.conn.authError}`);
      checking = null;
      app.conn.setAuth(null);
    }
  }
  forget.addEventListener('click', () => signOut(''));

  function signIn(k: string): void {
    apiKey = k;
    app.conn.setAuth(k);
    keyForm.hidden = true;
    whoami.hidden = false;
    setText(accountName, app.conn.account ?? '…');
    orderFieldset.disabled = false;
    // Load once the connection is authenticated (now, or at its auth_ack: see onState below).
    authed = app.conn.account !== null;
    if (authed) void loadAll();
  }

  function signOut(why: string): void {
    keys.setApi(null);
    apiKey = null;
    app.conn.setAuth(null);
    orders.clear();
    fills.clear();
    account = null;
    accountVersion += 1;
    keyForm.hidden = false;
    whoami.hidden = true;
    orderFieldset.disabled = true;
    setText(keyStatus, why);
    dirty();
  }

  async function loadAll(): Promise<void> {
    const k = apiKey;
    if (!k) return;
    orders.beginLoad();
    const [o, f] = await Promise.all([api('GET', '/v1/orders', { apiKey: k }), api('GET', '/v1/fills?limit=1000', { apiKey: k })]);
    if (k !== apiKey) return;
    if (o.status === 401) return signOut(`Key refused: ${refusalText(o.body)}`);
    if (o.ok) orders.endLoad((o.body.orders as Order[]) ?? []);
    else orders.endLoad([...orders.byId.values()]);
    if (f.ok) fills.addAll((f.body.fills as Fill[]) ?? []);
    await loadAccount();
    dirty();
  }

  let accountTimer: ReturnType<typeof setTimeout> | null = null;
  async function loadAccount(): Promise<void> {
    const k = apiKey;
    if (!k) return;
    const a = await api('GET', '/v1/account', { apiKey: k });
    if (k !== apiKey || !a.ok) return;
    account = a.body;
    accountVersion += 1;
    dirty();
  }
  /** Credit and positions change with every report: ask again at most every 250 ms. */
  function scheduleAccount(): void {
    if (accountTimer) return;
    accountTimer = setTimeout(() => { accountTimer = null; void loadAccount(); }, 250);
  }

  // ---- order entry --------------------------------------------------------------------------
  const symbolSel = select(app.symbols.map((s) => s.symbol), { id: 'order-symbol', 'data-testid': 'order-symbol' });
  symbolSel.value = app.symbol;
  const sideSel = select([['buy', 'Buy'], ['sell', 'Sell']], { id: 'order-side', 'data-testid': 'order-side' });
  const typeSel = select(ORDER_TYPES.map((t) => [t, ORDER_TYPE_LABELS[t]] as [string, string]), { id: 'order-type', 'data-testid': 'order-type' });
  const tifSel = select([...TIFS], { id: 'order-tif', 'data-testid': 'order-tif' });
  const stpSel = select(STPS.map((x) => [x, x.replace('_', ' ')] as [string, string]), { id: 'order-stp', 'data-testid': 'order-stp' });
  const dec = (id: string, testid: string): HTMLInputElement => h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', id, 'data-testid': testid });
  const priceIn = dec('order-price', 'order-price');
  const stopIn = dec('order-stop', 'order-stop');
  const stopLimitIn = dec('order-stop-limit', 'order-stop-limit');
  const qtyIn = dec('order-qty', 'order-qty');
  const displayIn = dec('order-display', 'order-display');
  const expireIn = h('input', { type: 'datetime-local', id: 'order-expire', 'data-testid': 'order-expire', step: '1' });
  const postOnlyIn = h('input', { type: 'checkbox', id: 'order-postonly', 'data-testid': 'order-postonly' });
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'order-submit' }, 'Place order');
  const problemsList = h('ul', { class: 'problems', role: 'alert', 'data-testid': 'order-errors' });
  const orderResult = h('div', { class: 'result', role: 'status', 'aria-live': 'polite', 'data-testid': 'order-result' });

  const priceField = field('Price', priceIn);
  const stopField = field('Stop price', stopIn);
  const stopLimitField = field('Stop leg limit price (optional: a stop-limit leg)', stopLimitIn);
  const qtyField = field('Quantity', qtyIn);
  const displayField = field('Display quantity (iceberg, optional)', displayIn);
  const expireField = field('Expire time (GTD, local time)', expireIn);
  const postOnlyField = h('div', { class: 'field check' }, postOnlyIn, h('label', { for: 'order-postonly' }, 'Post-only'));
  const orderFieldset = h('fieldset', { disabled: true },
    h('legend', null, 'New order'),
    h('div', { class: 'row2' }, field('Symbol', symbolSel), field('Side', sideSel)),
    h('div', { class: 'row2' }, field('Type', typeSel), field('Time in force', tifSel)),
    priceField, stopField, stopLimitField, qtyField, displayField, expireField,
    field('Self-trade prevention', stpSel), postOnlyField,
    submit);
  const orderForm = h('form', { class: 'order-form', 'data-testid': 'order-form', novalidate: true }, orderFieldset, problemsList, orderResult);

  function grid(): void {
    const info = app.info(symbolSel.value);
    setHint(priceField, info ? `tick ${info.tickSize}` : '');
    setHint(stopField, info ? `tick ${info.tickSize}` : '');
    setHint(stopLimitField, info ? `tick ${info.tickSize}` : '');
    setHint(qtyField, info ? `lot ${info.lotSize}, at most ${info.maxOrderQty}` : '');
    setHint(displayField, info ? `lot ${info.lotSize}` : '');
  }

  function showFields(): void {
    const t = typeSel.value as OrderType;
    const u = uses(t);
    setOptions(tifSel, u.tifs);
    setLabel(priceField, t === 'oco' ? 'Limit leg price' : t === 'stop_limit' ? 'Limit price' : 'Price');
    setLabel(displayField, t === 'oco' ? 'Display quantity (limit leg iceberg, optional)' : 'Display quantity (iceberg, optional)');
    setLabel(postOnlyField, t === 'oco' ? 'Post-only (limit leg)' : 'Post-only');
    toggle(priceField, priceIn, u.price);
    toggle(stopField, stopIn, u.stopPrice);
    toggle(stopLimitField, stopLimitIn, u.stopLimitPrice);
    toggle(displayField, displayIn, u.displayQuantity);
    toggle(postOnlyField, postOnlyIn, u.postOnly);
    toggle(expireField, expireIn, tifSel.value === 'GTD');
  }
  typeSel.addEventListener('change', showFields);
  tifSel.addEventListener('change', showFields);
  symbolSel.addEventListener('change', () => {
    app.setSymbol(symbolSel.value);
    grid();
    subscribeBook(symbolSel.value);
  });

  orderForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const k = apiKey;
    if (!k || submit.disabled) return;
    const input: OrderInput = {
      symbol: symbolSel.value, side: sideSel.value, orderType: typeSel.value as OrderType, timeInForce: tifSel.value as OrderInput['timeInForce'],
      price: priceIn.value, stopPrice: stopIn.value, stopLimitPrice: stopLimitIn.value, quantity: qtyIn.value, displayQuantity: displayIn.value,
      expireTime: expireIn.value, postOnly: postOnlyIn.checked, stp: stpSel.value,
    };
    const { body, problems } = validateOrder(input, app.info(input.symbol), Date.now());
    problemsList.replaceChildren(...problems.map((p) => h('li', null, p)));
    if (!body) {
      orderResult.replaceChildren();
      return;
    }
    const clientOrderId = newClientOrderId();
    submit.disabled = true;
    orderResult.className = 'result';
    orderResult.replaceChildren('sending…');
    if (input.orderType === 'oco') {
      // Two orders, one request: the answer is the limit leg's report (then the stop leg's).
      const stopId = newClientOrderId();
      const req = { type: 'new_oco', ...body, limit: { ...(body.limit as object), clientOrderId }, stop: { ...(body.stop as object), clientOrderId: stopId } };
      void app.conn.request(req).then((m) => {
        submit.disabled = false;
        showAnswer(orderResult, m, (r) => `Accepted: OCO group ${String(r.ocoGroupId ?? r.orderId)} — limit leg ${String(r.orderId)} (${clientOrderId}) ${String(r.orderStatus)}, stop leg ${String(r.ocoOrderId ?? '?')} (${stopId})`);
      });
      return;
    }
    void app.conn.request({ type: 'new_order', ...body, clientOrderId }).then((m) => {
      submit.disabled = false;
      showAnswer(orderResult, m, (r) => `Accepted: order ${String(r.orderId)} (${clientOrderId}) ${String(r.orderStatus)}`);
    });
  });

  // ---- open orders, cancel, replace ---------------------------------------------------------
  const actionResult = h('div', { class: 'result', role: 'status', 'aria-live': 'polite', 'data-testid': 'action-result' });
  const ordersTable = table(['Order', 'Client id', 'Symbol', 'Side', 'Type', 'Price', 'Stop', 'Qty', 'Filled', 'Leaves', 'Status', 'TIF', 'Actions'], { class: 'grid', 'data-testid': 'open-orders' });
  const ordersEmpty = h('p', { class: 'empty-note' }, 'No open orders.');
  const rows = new Map<string, { tr: HTMLTableRowElement; cells: HTMLTableCellElement[] }>();
  let ordersDrawn = -1;

  function renderOrders(): void {
    if (ordersDrawn === orders.version) return;
    ordersDrawn = orders.version;
    const list = orders.list().slice(0, 300);
    const keep = new Set(list.map((o) => o.orderId));
    for (const [id, r] of rows) {
      if (!keep.has(id)) {
        r.tr.remove();
        rows.delete(id);
      }
    }
    let before: Element | null = ordersTable.body.firstElementChild;
    for (const o of list) {
      let r = rows.get(o.orderId);
      if (!r) {
        const cells = Array.from({ length: 12 }, () => cell(''));
        const cancel = h('button', { type: 'button', class: 'small', 'data-testid': 'cancel-order', 'aria-label': `Cancel order ${o.orderId}` }, 'Cancel');
        const replace = h('button', { type: 'button', class: 'small', 'data-testid': 'replace-order', 'aria-label': `Replace order ${o.orderId}` }, 'Replace');
        const id = o.orderId;
        cancel.addEventListener('click', () => void cancelOrder(id));
        replace.addEventListener('click', () => openReplace(id));
        const tr = h('tr', { 'data-testid': 'open-order', 'data-order-id': id }, ...cells, h('td', { class: 'actions' }, cancel, replace));
        r = { tr, cells };
        rows.set(id, r);
      }
      const type = `${String(o.orderType)}${o.ocoGroupId ? ` · OCO ${String(o.ocoGroupId)}` : ''}`;
      const values = [o.orderId, o.clientOrderId, o.symbol, o.side, type, o.price, o.stopPrice, o.quantity, o.cumQuantity, o.leavesQuantity, o.orderStatus, o.timeInForce];
      values.forEach((v, i) => setText(r!.cells[i], orDash(v as string | undefined)));
      r.tr.className = o.side === 'buy' ? 'buy' : 'sell';
      if (r.tr !== before) ordersTable.body.insertBefore(r.tr, before);
      before = r.tr.nextElementSibling;
    }
    ordersEmpty.hidden = list.length > 0;
  }

  async function cancelOrder(id: string): Promise<void> {
    const o = orders.byId.get(id);
    if (!apiKey || !o) return;
    const m = await app.conn.request({ type: 'cancel_order', symbol: o.symbol, orderId: id });
    showAnswer(actionResult, m, () => `Canceled order ${id}`);
  }

  const replacePrice = h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', id: 'replace-price', 'data-testid': 'replace-price' });
  const replaceStop = h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', id: 'replace-stop', 'data-testid': 'replace-stop' });
  const replaceQty = h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', id: 'replace-qty', 'data-testid': 'replace-qty' });
  const replaceStopField = field('New stop price (a waiting stop)', replaceStop);
  const replaceTitle = h('legend');
  const replaceClose = h('button', { type: 'button' }, 'Close');
  const replaceForm = h('form', { class: 'replace-form', hidden: true, 'data-testid': 'replace-form', novalidate: true },
    h('fieldset', null, replaceTitle, field('New price', replacePrice), replaceStopField, field('New total quantity', replaceQty),
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'replace-submit' }, 'Replace'), replaceClose));
  let replacing: Order | null = null;

  function openReplace(id: string): void {
    const o = orders.byId.get(id);
    if (!o) return;
    replacing = o;
    setText(replaceTitle, `Replace order ${id} (${String(o.symbol)} ${String(o.side)})`);
    replacePrice.value = typeof o.price === 'string' ? o.price : '';
    replacePrice.disabled = !(o.orderType === 'limit' || o.orderType === 'stop_limit');
    // The stop price changes only while the stop waits for its trigger.
    const waiting = o.orderStatus === 'pending_trigger';
    replaceStop.value = waiting && typeof o.stopPrice === 'string' ? o.stopPrice : '';
    toggle(replaceStopField, replaceStop, waiting);
    replaceQty.value = String(o.quantity ?? '');
    replaceForm.hidden = false;
    (replacePrice.disabled ? replaceQty : replacePrice).focus();
  }
  replaceClose.addEventListener('click', () => { replaceForm.hidden = true; replacing = null; });
  replaceForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const o = replacing;
    if (!o || !apiKey) return;
    const info = app.info(String(o.symbol));
    const body: Record<string, string> = {};
    const problems: string[] = [];
    const p = replacePrice.value.trim();
    const sp = replaceStop.value.trim();
    const q = replaceQty.value.trim();
    if (!replacePrice.disabled && p !== o.price) {
      const pp = info ? gridProblem('Price', p, info.tickSize) : null;
      if (pp) problems.push(pp);
      body.price = p;
    }
    if (!replaceStop.disabled && sp !== o.stopPrice) {
      const spp = info ? gridProblem('Stop price', sp, info.tickSize) : null;
      if (spp) problems.push(spp);
      body.stopPrice = sp;
    }
    if (q !== o.quantity) {
      const qp = info ? gridProblem('Quantity', q, info.lotSize) ?? maxQtyProblem('Quantity', q, info) : null;
      if (qp) problems.push(qp);
      else if (typeof o.cumQuantity === 'string' && cmpDec(q, o.cumQuantity) <= 0) problems.push(`Quantity must stay above the filled ${o.cumQuantity}`);
      body.quantity = q;
    }
    if (Object.keys(body).length === 0) problems.push('Nothing changed');
    if (problems.length) {
      actionResult.className = 'result refused';
      actionResult.replaceChildren(problems.join('; '));
      return;
    }
    void app.conn.request({ type: 'replace_order', symbol: o.symbol, orderId: o.orderId, ...body }).then((m) => {
      showAnswer(actionResult, m, () => `Replaced order ${o.orderId}`);
      if (m?.execType === 'replaced') { replaceForm.hidden = true; replacing = null; }
    });
  });

  // ---- fills and account --------------------------------------------------------------------
  const fillsTable = table(['Time', 'Symbol', 'Side', 'Price', 'Qty', 'Liquidity', 'Order', 'Trade'], { class: 'grid', 'data-testid': 'fills' });
  let fillsDrawn = -1;
  function renderFills(): void {
    if (fillsDrawn === fills.version) return;
    fillsDrawn = fills.version;
    fillsTable.body.replaceChildren(...fills.list(50).map((f) => h('tr', { class: f.side === 'buy' ? 'buy' : 'sell', 'data-testid': 'fill' },
      cell(timeOfDay(f.ts)), cell(f.symbol), cell(f.side), cell(f.price), cell(f.quantity), cell(f.liquidity), cell(f.orderId), cell(f.tradeId))));
  }

  const accountDl = h('dl', { class: 'kv', 'data-testid': 'account' });
  const positionsTable = table(['Symbol', 'Position', 'Open buy', 'Open sell', 'Max position'], { class: 'grid', 'data-testid': 'positions' });
  let accountDrawn = -1;
  function renderAccount(): void {
    if (accountDrawn === accountVersion) return;
    accountDrawn = accountVersion;
    const a = account;
    const kv: Array<[string, unknown]> = a ? [['Account', a.account], ['Credit limit', a.creditLimit], ['Credit in use', a.creditInUse], ['Credit available', a.creditAvailable], ['Open orders', `${String(a.openOrders)} of ${String(a.maxOpenOrders)}`]] : [];
    accountDl.replaceChildren(...kv.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, orDash(v as string)))));
    const positions = (a?.positions as Array<Record<string, string>> | undefined) ?? [];
    positionsTable.body.replaceChildren(...positions.map((p) => h('tr', null, cell(p.symbol), cell(p.position), cell(p.openBuyQuantity), cell(p.openSellQuantity), cell(p.maxPosition))));
  }

  // ---- ladder of the selected symbol, this account's prices marked -------------------------------
  let bookSub: (() => void) | null = null;
  function subscribeBook(symbol: string): void {
    bookSub?.();
    book.reset();
    const topic: Topic = { channel: 'book', symbol };
    bookSub = app.conn.subscribe(topic, {
      reset: () => { book.reset(); dirty(); },
      message: (m) => {
        if (book.apply(m) === 'gap') app.conn.resubscribe(topic);
        dirty();
      },
    });
    dirty();
  }
  function mine(): { bids: Set<string>; asks: Set<string> } {
    const bids = new Set<string>();
    const asks = new Set<string>();
    for (const o of orders.byId.values()) {
      if (o.symbol !== app.symbol || o.orderStatus === 'pending_trigger' || typeof o.price !== 'string' || o.price === '') continue;
      (o.side === 'buy' ? bids : asks).add(o.price);
    }
    return { bids, asks };
  }

  // ---- live ---------------------------------------------------------------------------------
  const offMessage = app.conn.onMessage((m) => {
    if (m.type !== 'execution_report' || !apiKey) return;
    orders.apply(m);
    fills.fromReport(m);
    scheduleAccount();
    dirty();
  });
  const offState = app.conn.onState(() => {
    keyChecked();
    if (apiKey && app.conn.authError) return signOut(`Key refused: ${app.conn.authError}`);
    setText(accountName, app.conn.account ?? (app.conn.authError ? `refused: ${app.conn.authError}` : '…'));
    // Reports may have been missed while not authenticated (reconnect, first load): reconcile from
    // the views once they flow again — after the auth_ack, not when the socket opens.
    const now = apiKey !== null && app.conn.account !== null;
    if (now && !authed) void loadAll();
    authed = now;
  });

  const el = h('section', { class: 'page trade', 'data-testid': 'page-trade', 'aria-labelledby': 'trade-title' },
    h('div', { class: 'toolbar' }, h('h1', { id: 'trade-title' }, 'Trade'), keyForm, whoami),
    h('div', { class: 'trade-grid' },
      h('div', { class: 'panel' }, orderForm),
      h('div', { class: 'panel book-panel' }, h('h2', null, 'Book'), ladder.el),
      h('div', { class: 'panel' },
        h('h2', null, 'Account'), accountDl, positionsTable.table,
        h('h2', { class: 'gap' }, 'Fills'), h('div', { class: 'scroll short' }, fillsTable.table)),
      h('div', { class: 'panel full' },
        h('h2', null, 'Open orders'), actionResult, replaceForm, h('div', { class: 'scroll' }, ordersTable.table), ordersEmpty)));

  grid();
  showFields();
  subscribeBook(app.symbol);
  const stored = keys.api();
  if (stored) signIn(stored);
  dirty();

  return {
    el,
    dispose() {
      bookSub?.();
      offMessage();
      offState();
      if (accountTimer) clearTimeout(accountTimer);
      app.frames.cancel(render);
    },
  };
}

function setHint(fieldEl: HTMLElement, text: string): void {
  let hint = fieldEl.querySelector('.hint');
  if (!hint) {
    hint = h('span', { class: 'hint' });
    fieldEl.append(hint);
  }
  setText(hint, text);
}

function setLabel(fieldEl: HTMLElement, text: string): void {
  const label = fieldEl.querySelector('label');
  if (label) setText(label, text);
}

/** Show or hide a field; a hidden control is disabled too (out of the tab order and the form). */
function toggle(fieldEl: HTMLElement, control: HTMLInputElement, on: boolean): void {
  fieldEl.hidden = !on;
  control.disabled = !on;
}
