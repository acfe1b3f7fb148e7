/**
 * Checks recorded HTTP responses against the OpenAPI document (gateway/openapi.ts) with ajv's
 * JSON Schema 2020-12 validator (OpenAPI 3.1's dialect) — test-only.
 *
 *   expectValidResponse('GET', '/v1/book/{symbol}', 200, res.headers.get('content-type'), await res.text());
 *
 * finds the operation (path template as written in the document, method), the response for the
 * status (exact, else `4XX`-style, else `default`; `$ref`s to components.responses followed), the
 * media type for the Content-Type, parses a JSON body and validates it — throwing an Error that
 * names the operation, the status and every mismatch, with the body, when anything is off.
 * `pathTemplate` '*' means "no route": the catch-all answer (components.responses.RouteNotFound).
 *
 * Stricter than the document: schemas there are open (fields may be added), but here every object
 * schema is closed (`unevaluatedProperties: false`), so a field the server sends that the document
 * does not describe fails the check. Schemas that say `additionalProperties` themselves keep it.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { OPENAPI_DOCUMENT } from '../gateway/openapi.ts';
import type { JsonObject, JsonValue, OpenApiDocument } from '../gateway/openapi.ts';

export const DOC: OpenApiDocument = OPENAPI_DOCUMENT;

/** HTTP methods an OpenAPI path item may hold. */
export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Every operation in the document: method (upper case), path template, operation object. */
export function operations(doc: OpenApiDocument = DOC): Array<{ method: string; path: string; op: JsonObject }> {
  const out: Array<{ method: string; path: string; op: JsonObject }> = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) if (item[m]) out.push({ method: m.toUpperCase(), path, op: item[m] });
  }
  return out;
}

// ---------------------------------------------------------------------------------------- schemas

const COMPONENTS_ID = 'urn:ringmatch:openapi:components';
const OPEN = '__open';

type Schema = JsonValue;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object schema this check closes: one with properties or allOf that does not say what extra properties may be. */
function closable(s: Schema): boolean {
  return isObject(s) && ('properties' in s || 'allOf' in s) && !('additionalProperties' in s) && !('unevaluatedProperties' in s);
}

function refTarget(ref: string, open: boolean): string {
  const m = /^#\/components\/schemas\/([^/]+)$/.exec(ref);
  if (!m) throw new Error(`openapi-check: unsupported $ref ${ref} (only #/components/schemas/<name>)`);
  const name = m[1];
  const target = DOC.components.schemas[name];
  if (!target) throw new Error(`openapi-check: $ref to an unknown schema ${ref}`);
  return `${COMPONENTS_ID}#/$defs/${name}${open && closable(target) ? OPEN : ''}`;
}

/**
 * A copy of `s` with every object schema closed (see the file comment) and `$ref`s pointing into
 * the components schema ajv holds. `close` false: `s` is an allOf branch (or a component's open
 * variant) — its own properties are evaluated together with its siblings', so it stays open, and a
 * `$ref` there names the referenced schema's open variant.
 */
function strict(s: Schema, close: boolean): Schema {
  if (!isObject(s)) return s; // true / false schemas
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref' && typeof v === 'string') out[k] = refTarget(v, !close);
    else if ((k === 'properties' || k === 'patternProperties' || k === '$defs') && isObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, x]) => [p, strict(x, true)]));
    else if ((k === 'additionalProperties' || k === 'items' || k === 'not' || k === 'contains' || k === 'if' || k === 'then' || k === 'else') && (isObject(v) || typeof v === 'boolean')) out[k] = strict(v, true);
    else if ((k === 'anyOf' || k === 'oneOf' || k === 'prefixItems') && Array.isArray(v)) out[k] = v.map((x) => strict(x, true));
    else if (k === 'allOf' && Array.isArray(v)) out[k] = v.map((x) => strict(x, false));
    else out[k] = v; // values, not schemas: const, enum, default, examples, descriptions
  }
  if (close && closable(s)) {
    out.type ??= 'object'; // ajv's strictTypes: unevaluatedProperties applies to objects
    out.unevaluatedProperties = false;
  }
  return out;
}

/** components.schemas as ajv sees them: each closable X is `{ $ref: X__open, unevaluatedProperties: false }`. */
function componentDefs(): JsonObject {
  const defs: JsonObject = {};
  for (const [name, s] of Object.entries(DOC.components.schemas)) {
    if (closable(s)) {
      defs[name] = { type: 'object', $ref: `${COMPONENTS_ID}#/$defs/${name}${OPEN}`, unevaluatedProperties: false };
      defs[name + OPEN] = strict(s, false);
    } else {
      defs[name] = strict(s, true);
    }
  }
  return defs;
}

type AddFormats = (ajv: Ajv2020) => Ajv2020;
// ajv-formats is CommonJS: the default import is its module.exports, the plugin function.
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

let ajvInstance: Ajv2020 | null = null;

/** One ajv (strict mode: unknown keywords, formats and type mistakes in the document are errors). */
export function ajv(): Ajv2020 {
  if (ajvInstance) return ajvInstance;
  const a = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats(a);
  // The OpenAPI 3.1 base dialect's own keywords (annotations here).
  a.addVocabulary(['discriminator', 'xml', 'externalDocs', 'example']);
  a.addSchema({ $id: COMPONENTS_ID, $defs: componentDefs() });
  ajvInstance = a;
  return a;
}

const compiled = new Map<string, ValidateFunction>();

function validatorFor(key: string, schema: Schema): ValidateFunction {
  let v = compiled.get(key);
  if (!v) {
    try {
      v = ajv().compile(strict(schema, true) as JsonObject);
    } catch (e) {
      throw new Error(`openapi-check: the document's schema for ${key} does not compile: ${(e as Error).message}`);
    }
    compiled.set(key, v);
  }
  return v;
}

/**
 * Compile every schema in the document (strict mode) — components, and those inline in responses,
 * request bodies and parameters: the problems found, one line each (empty: none).
 */
export function schemaProblems(): string[] {
  const problems: string[] = [];
  const tryCompile = (key: string, schema: Schema): void => {
    try {
      validatorFor(key, schema);
    } catch (e) {
      problems.push((e as Error).message);
    }
  };
  for (const name of Object.keys(DOC.components.schemas)) tryCompile(`schema ${name}`, { $ref: `#/components/schemas/${name}` });
  const contentSchemas = (where: string, content: unknown): void => {
    if (!isObject(content)) return;
    for (const [media, m] of Object.entries(content)) if (isObject(m) && m.schema !== undefined) tryCompile(`${where} ${media}`, m.schema);
  };
  for (const [name, r] of Object.entries(DOC.components.responses)) contentSchemas(`components.responses.${name}`, r.content);
  for (const [name, p] of Object.entries(DOC.components.parameters)) if (p.schema !== undefined) tryCompile(`components.parameters.${name}`, p.schema);
  for (const { method, path, op } of operations()) {
    for (const [status, r] of Object.entries(op.responses as JsonObject)) if (isObject(r)) contentSchemas(`${path} ${method} ${status}`, r.content);
    if (isObject(op.requestBody)) contentSchemas(`${method} ${path} request body`, op.requestBody.content);
    for (const p of (op.parameters ?? []) as JsonObject[]) if (p.schema !== undefined) tryCompile(`${method} ${path} parameter ${p.name as string}`, p.schema);
  }
  return problems;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  const lines = (errors ?? []).slice(0, 25).map((e) => `  body${e.instancePath || ''}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
  if ((errors?.length ?? 0) > 25) lines.push(`  … ${errors!.length - 25} more`);
  return lines.join('\n');
}

const excerpt = (body: unknown): string => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 1500 ? `${text.slice(0, 1500)}…` : text;
};

/** Validate a value against components.schemas[name] (closed, as responses are): throws a readable Error. */
export function expectValidSchema(name: string, value: unknown, what = name): void {
  if (!DOC.components.schemas[name]) throw new Error(`openapi-check: no schema ${name} in the document`);
  const v = validatorFor(`schema ${name}`, { $ref: `#/components/schemas/${name}` });
  if (!v(value)) throw new Error(`${what} does not match components.schemas.${name}:\n${describeErrors(v.errors)}\nvalue: ${excerpt(value)}`);
}

// -------------------------------------------------------------------------------------- responses

function resolveResponse(r: JsonObject): JsonObject {
  const ref = r.$ref;
  if (typeof ref !== 'string') return r;
  const m = /^#\/components\/responses\/([^/]+)$/.exec(ref);
  const target = m ? DOC.components.responses[m[1]] : undefined;
  if (!target) throw new Error(`openapi-check: unresolvable response $ref ${ref}`);
  return { ...target, ...(typeof r.description === 'string' ? { description: r.description } : {}) };
}

const essence = (mediaType: string): string => mediaType.split(';')[0].trim().toLowerCase();
const normalized = (mediaType: string): string => mediaType.toLowerCase().replace(/\s+/g, '');
const isJsonMedia = (mediaType: string): boolean => /^application\/(.+\+)?json$/.test(essence(mediaType));

/**
 * Validate one recorded response against the document: the operation `method pathTemplate` (or
 * '*', the catch-all answer), `status`, the response's Content-Type header (null when the server
 * sent none: then the response must document exactly one media type, which the body is checked
 * against) and its body (text as received, or already parsed JSON). Throws a readable Error.
 */
export function expectValidResponse(method: string, pathTemplate: string, status: number, contentType: string | null, body: unknown): void {
  const where = `${method.toUpperCase()} ${pathTemplate} → ${status}`;
  let response: JsonObject;
  if (pathTemplate === '*') {
    response = resolveResponse({ $ref: '#/components/responses/RouteNotFound' });
  } else {
    const item = DOC.paths[pathTemplate];
    if (!item) throw new Error(`${where}: the document has no path ${pathTemplate} (paths: ${Object.keys(DOC.paths).join(', ')})`);
    const op = item[method.toLowerCase()];
    if (!op) throw new Error(`${where}: the document has no ${method.toUpperCase()} operation on ${pathTemplate}`);
    const responses = op.responses as JsonObject;
    const r = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    if (!isObject(r)) throw new Error(`${where}: status ${status} is not documented for ${op.operationId as string} (documented: ${Object.keys(responses).join(', ')})\nbody: ${excerpt(body)}`);
    response = resolveResponse(r);
  }
  const content = response.content as JsonObject | undefined;
  const text = typeof body === 'string' ? body : body === undefined || body === null ? '' : null;
  if (!content) {
    if (text !== '') throw new Error(`${where}: documented without a body, but the server sent one (${contentType ?? 'no Content-Type'}): ${excerpt(body)}`);
    return;
  }
  const keys = Object.keys(content);
  let key: string | undefined;
  if (contentType === null || contentType === '') {
    if (keys.length !== 1) throw new Error(`${where}: the server sent no Content-Type and the document lists several media types (${keys.join(', ')})`);
    key = keys[0];
  } else {
    key = keys.find((k) => normalized(k) === normalized(contentType)) ?? keys.find((k) => essence(k) === essence(contentType));
    if (!key) throw new Error(`${where}: Content-Type ${contentType} is not documented (documented: ${keys.join(', ')})\nbody: ${excerpt(body)}`);
  }
  const schema = (content[key] as JsonObject).schema;
  if (schema === undefined) return;
  let value: unknown = body;
  if (isJsonMedia(key) && typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch (e) {
      throw new Error(`${where}: documented as ${key}, but the body is not JSON (${(e as Error).message}): ${excerpt(body)}`);
    }
  }
  const v = validatorFor(`${pathTemplate} ${method.toUpperCase()} ${status} ${key}`, schema);
  if (!v(value)) throw new Error(`${where}: the body does not match the documented ${key} schema:\n${describeErrors(v.errors)}\nbody: ${excerpt(body)}`);
}
