/** HTTP calls to this server (same origin): JSON in and out, keys in headers only. */

export interface ApiAnswer {
  status: number;
  ok: boolean;
  /** The parsed JSON object (an array answer as `{ value: [...] }`; `{ message: text }` when not JSON). */
  body: Record<string, unknown>;
}

export interface ApiOptions {
  /** An account API key: `Authorization: Bearer`. */
  apiKey?: string | null;
  /** The admin key: `X-Admin-Key`. */
  adminKey?: string | null;
  body?: unknown;
  idempotencyKey?: string;
}

export async function api(method: string, path: string, opts: ApiOptions = {}): Promise<ApiAnswer> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.apiKey) headers.Authorization = `Bearer ${opts.apiKey}`;
  if (opts.adminKey) headers['X-Admin-Key'] = opts.adminKey;
  if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
  let payload: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload, cache: 'no-store' });
  } catch (e) {
    return { status: 0, ok: false, body: { message: `the server could not be reached (${(e as Error).message})` } };
  }
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    // An array or a scalar answer is kept under `value`.
    body = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch {
    body = { message: text.trim() };
  }
  return { status: res.status, ok: res.ok, body };
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/**
 * What the server said when it refused, verbatim: an execution report's `rejectText` when it has
 * one, else the error's `message`, else the report's `rejectReason` (REST answers carry the report
 * under `report`).
 */
export function refusalText(body: Record<string, unknown>): string {
  const report = (body.report && typeof body.report === 'object' ? body.report : body) as Record<string, unknown>;
  return str(report.rejectText) ?? str(body.message) ?? str(report.message) ?? str(report.rejectReason) ?? JSON.stringify(body);
}

/** The stable name of a refusal (`RISK_PRICE_BAND`, `FORBIDDEN`…), when the answer has one. */
export function refusalName(body: Record<string, unknown>): string | null {
  const report = (body.report && typeof body.report === 'object' ? body.report : body) as Record<string, unknown>;
  return str(report.rejectReason) ?? str(body.name) ?? null;
}
