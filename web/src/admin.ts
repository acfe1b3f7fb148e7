/**
 * Admin page (after entering the admin key, kept in sessionStorage only): halt / resume a symbol,
 * disable / enable an account, a snapshot now, and — only while the server runs with
 * faultInjection — kill a thread as a crash would (the supervisor brings it back). Every answer is
 * shown as the server gave it. The key goes in the `X-Admin-Key` header.
 *
 * The key is checked by the server on first use, not when entered: every admin endpoint acts
 * (halt, snapshot, stats reset…), none only answers whether a key is right. A 403 forgets the key
 * and asks for it again.
 */
import type { App, Page } from './app.ts';
import { field, h, select, setOptions, setText } from './dom.ts';
import { api, refusalText } from './rest.ts';
import type { ApiAnswer } from './rest.ts';
import { keys } from './session.ts';

export function adminPage(app: App): Page {
  let adminKey = keys.admin();

  const keyInput = h('input', { type: 'password', id: 'admin-key', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'admin-key', required: true });
  const keyForm = h('form', { class: 'key-form', 'data-testid': 'admin-key-form' },
    field('Admin key', keyInput, 'kept in this tab only (sessionStorage); checked on first use'), h('button', { type: 'submit', 'data-testid': 'admin-key-submit' }, 'Use key'));
  const forget = h('button', { type: 'button', 'data-testid': 'admin-forget' }, 'Forget admin key');
  const keyOn = h('div', { class: 'whoami', hidden: true }, 'Admin key set ', forget);

  const result = h('div', { class: 'result', role: 'status', 'aria-live': 'polite', 'data-testid': 'admin-result' }, 'No action yet.');
  const body = h('pre', { class: 'answer', 'data-testid': 'admin-answer' });

  async function act(label: string, method: string, path: string): Promise<void> {
    if (!adminKey) return;
    result.className = 'result';
    setText(result, `${label}: sending…`);
    body.textContent = '';
    const a: ApiAnswer = await api(method, path, { adminKey });
    result.className = `result ${a.ok ? 'accepted' : 'refused'}`;
    result.replaceChildren(
      h('strong', null, `${label}: ${a.status ? `HTTP ${a.status}` : 'no answer'}`), ' — ',
      h('span', { class: 'verbatim', 'data-testid': 'admin-result-text' }, a.ok ? 'done' : refusalText(a.body)));
    body.textContent = JSON.stringify(a.body, null, 2);
    if (a.status === 403) {
      adminKey = null;
      keys.setAdmin(null);
      show();
      setText(keyHint, 'The server refused this admin key (HTTP 403): enter it again.');
      keyInput.focus();
    }
  }
  const keyHint = h('p', { class: 'msg', role: 'status' });

  // ---- symbols --------------------------------------------------------------------------------
  const symbolSel = select(app.symbols.map((s) => s.symbol), { id: 'admin-symbol', 'data-testid': 'admin-symbol' });
  symbolSel.value = app.symbol;
  const halt = h('button', { type: 'button', 'data-testid': 'halt-symbol' }, 'Halt');
  const resume = h('button', { type: 'button', 'data-testid': 'resume-symbol' }, 'Resume');
  halt.addEventListener('click', () => void act(`Halt ${symbolSel.value}`, 'POST', `/v1/admin/symbols/${encodeURIComponent(symbolSel.value)}/halt`));
  resume.addEventListener('click', () => void act(`Resume ${symbolSel.value}`, 'POST', `/v1/admin/symbols/${encodeURIComponent(symbolSel.value)}/resume`));

  // ---- accounts -------------------------------------------------------------------------------
  const accountIn = h('input', { type: 'text', id: 'admin-account', autocomplete: 'off', 'data-testid': 'admin-account', placeholder: 'e.g. alice' });
  // A form: Enter in the account field submits it with its first button (Disable, the kill switch).
  const disable = h('button', { type: 'submit', 'data-testid': 'disable-account', 'data-action': 'disable' }, 'Disable');
  const enable = h('button', { type: 'submit', 'data-testid': 'enable-account', 'data-action': 'enable' }, 'Enable');
  const accountForm = h('form', { class: 'row', 'data-testid': 'admin-account-form', novalidate: true }, field('Account', accountIn), disable, enable);
  const accountAct = (what: 'disable' | 'enable'): void => {
    const a = accountIn.value.trim();
    if (!a) {
      result.className = 'result refused';
      setText(result, 'Enter an account name first.');
      accountIn.focus();
      return;
    }
    void act(`${what === 'disable' ? 'Disable' : 'Enable'} ${a}`, 'POST', `/v1/admin/accounts/${encodeURIComponent(a)}/${what}`);
  };
  accountForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const by = (e as SubmitEvent).submitter as HTMLElement | null;
    accountAct(by?.dataset.action === 'enable' ? 'enable' : 'disable');
  });

  // ---- snapshot -------------------------------------------------------------------------------
  const snapshot = h('button', { type: 'button', 'data-testid': 'snapshot' }, 'Snapshot now');
  snapshot.addEventListener('click', () => void act('Snapshot', 'POST', '/v1/admin/snapshot'));

  // ---- fault injection (only when the server has it on) ---------------------------------------
  const threadSel = select([], { id: 'admin-thread', 'data-testid': 'kill-thread-select' });
  const kill = h('button', { type: 'button', class: 'danger', 'data-testid': 'kill-thread' }, 'Kill thread');
  const killNote = h('p', { class: 'hint', 'data-testid': 'kill-note' });
  threadSel.addEventListener('change', () => noteKill());
  function noteKill(): void {
    setText(killNote, /^G\d+$/.test(threadSel.value) ? `${threadSel.value} is a gateway thread: killing it ends the whole process (exit 70).` : '');
  }
  kill.addEventListener('click', () => {
    const t = threadSel.value;
    if (t) void act(`Kill ${t}`, 'POST', `/v1/admin/fault/kill/${encodeURIComponent(t)}`);
  });
  const faultPanel = h('div', { class: 'panel', hidden: true, 'data-testid': 'fault-panel' },
    h('h2', null, 'Fault injection'),
    h('p', { class: 'hint' }, 'Kills the thread as a crash would; the supervisor rebuilds it from snapshot + journal. Orders for it are refused with SHARD_RECOVERING meanwhile.'),
    h('div', { class: 'row' }, field('Thread', threadSel), kill), killNote);

  let stopped = false;
  /**
   * Fault injection and the threads it can kill, asked once: this page makes no requests while idle.
   * R, M0…, J (journal on), K (Kafka shipping on), G1… (gateway workers; thread 0 is the process).
   * `always200=1`: a degraded server's 503 would print a console error.
   */
  async function loadFault(): Promise<void> {
    const [live, health] = await Promise.all([api('GET', '/v1/stats/live'), api('GET', '/health/deep?always200=1')]);
    if (stopped) return;
    const on = live.ok && live.body.faultInjection === true;
    const names = new Set<string>();
    for (const s of (health.body.supervisor as Array<Record<string, unknown>> | undefined) ?? []) names.add(String(s.agent));
    const journal = health.body.journal;
    if (typeof journal === 'string' && journal !== 'off') names.add('J');
    const kafka = health.body.kafka as { state?: unknown } | undefined;
    if (typeof kafka?.state === 'string' && kafka.state !== 'off') names.add('K');
    const options: Array<[string, string]> = [...names].map((n) => [n, n]);
    const gw = Number(health.body.gatewayThreads ?? 1);
    for (let g = 1; g < gw; g++) options.push([`G${g}`, `G${g} (ends the process)`]);
    setOptions(threadSel, options);
    noteKill();
    faultPanel.hidden = !on;
  }

  const panels = h('div', { class: 'admin-grid', hidden: true },
    h('div', { class: 'panel' }, h('h2', null, 'Symbol'), h('div', { class: 'row' }, field('Symbol', symbolSel), halt, resume)),
    h('div', { class: 'panel' }, h('h2', null, 'Account kill switch'), accountForm),
    h('div', { class: 'panel' }, h('h2', null, 'Snapshot'), snapshot),
    faultPanel,
    h('div', { class: 'panel full' }, h('h2', null, 'Result'), result, body));

  let intro: HTMLElement;
  function show(): void {
    const on = adminKey !== null;
    keyForm.hidden = on;
    keyOn.hidden = !on;
    panels.hidden = !on;
    intro.hidden = on;
  }
  keyForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const k = keyInput.value.trim();
    if (!k) return;
    keyInput.value = '';
    adminKey = k;
    keys.setAdmin(k);
    setText(keyHint, '');
    show();
  });
  forget.addEventListener('click', () => {
    adminKey = null;
    keys.setAdmin(null);
    show();
    keyInput.focus();
  });

  intro = h('p', { class: 'intro' }, 'With the admin key (the server\'s adminKey; npm start prints a generated one): halt and resume symbols, disable and enable accounts, take a snapshot now, and — when the server runs with fault injection — kill a thread as a crash would.');
  const el = h('section', { class: 'page admin', 'data-testid': 'page-admin', 'aria-labelledby': 'admin-title' },
    h('div', { class: 'toolbar' }, h('h1', { id: 'admin-title' }, 'Admin'), keyForm, keyOn, keyHint),
    intro, panels);
  show();
  void loadFault();
  return { el, dispose() { stopped = true; } };
}
