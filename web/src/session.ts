/**
 * Keys the user typed in: kept in this tab's sessionStorage only (gone when the tab closes), never
 * put in a URL and never logged.
 */
const API_KEY = 'ringmatch.apiKey';
const ADMIN_KEY = 'ringmatch.adminKey';

function read(name: string): string | null {
  try {
    return sessionStorage.getItem(name);
  } catch {
    return null;
  }
}

function write(name: string, value: string | null): void {
  try {
    if (value === null) sessionStorage.removeItem(name);
    else sessionStorage.setItem(name, value);
  } catch {
    // Storage disabled: the key lives for this page only.
  }
}

export const keys = {
  api: (): string | null => read(API_KEY),
  setApi: (k: string | null): void => write(API_KEY, k),
  admin: (): string | null => read(ADMIN_KEY),
  setAdmin: (k: string | null): void => write(ADMIN_KEY, k),
};
