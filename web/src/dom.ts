/** A few DOM helpers: build elements without a framework, update text only when it changed. */

type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined | ((ev: Event) => void);

/**
 * `h('button', { class: 'x', onclick: fn, disabled: true }, 'text')`. `on*` keys add listeners,
 * `true` sets an empty attribute, `false` / null / undefined leave it out.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, AttrValue> | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = String(v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

/** Set text content only when it differs (no layout work for an unchanged cell). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function clear(el: Element): void {
  el.replaceChildren();
}

let uid = 0;
/** A unique element id, for `<label for>`. */
export function nextId(prefix: string): string {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled form control: `<div class="field"><label for>text</label>control</div>`. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLDivElement {
  if (!control.id) control.id = nextId('f');
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hint ? h('span', { class: 'hint' }, hint) : null);
}

export function select(options: ReadonlyArray<string | [value: string, label: string]>, attrs: Record<string, AttrValue> = {}): HTMLSelectElement {
  const el = h('select', attrs);
  setOptions(el, options);
  return el;
}

/** Replace a select's options, keeping the value when it is still offered. */
export function setOptions(el: HTMLSelectElement, options: ReadonlyArray<string | [value: string, label: string]>): void {
  const keep = el.value;
  el.replaceChildren(...options.map((o) => {
    const [value, label] = typeof o === 'string' ? [o, o] : o;
    return h('option', { value }, label);
  }));
  if (options.some((o) => (typeof o === 'string' ? o : o[0]) === keep)) el.value = keep;
}

/** A table with a header row; returns the table and its body. */
export function table(headers: string[], attrs: Record<string, AttrValue> = {}): { table: HTMLTableElement; body: HTMLTableSectionElement } {
  const body = h('tbody');
  const t = h('table', attrs, h('thead', null, h('tr', null, ...headers.map((x) => h('th', { scope: 'col' }, x)))), body);
  return { table: t, body };
}

export function cell(text: string, cls?: string): HTMLTableCellElement {
  return h('td', cls ? { class: cls } : null, text);
}
