/**
 * Keys the user typed in: kept in this tab's sessionStorage only (gone when the tab closes), never
 * put in a URL and never logged. Where storage is unavailable (disabled, a sandboxed frame) the
 * keys are kept in memory instead: they last until the page is closed or reloaded.
 */
const API_KEY = 'ringmatch.apiKey';
const ADMIN_KEY = 'ringmatch.adminKey';

/** The fallback when sessionStorage throws: this page's life only. */
const memory = new Map<string, string>();

function read(name: string): string | null {
  try {
    return sessionStorage.getItem(name) ?? memory.get(name) ?? null;
  } catch {
    return memory.get(name) ?? null;
  }
}

function write(name: string, value: string | null): void {
  // In memory too: setItem may throw (storage disabled, quota) while getItem works.
  if (value === null) memory.delete(name);
  else memory.set(name, value);
  try {
    if (value === null) sessionStorage.removeItem(name);
    else sessionStorage.setItem(name, value);
  } catch {
    // Storage unavailable: the key lives in memory for this page's life.
  }
}

export const keys = {
  api: (): string | null => read(API_KEY),
  setApi: (k: string | null): void => write(API_KEY, k),
  admin: (): string | null => read(ADMIN_KEY),
  setAdmin: (k: string | null): void => write(ADMIN_KEY, k),
};
