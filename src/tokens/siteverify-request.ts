import { ValidationError } from '../common/domain-error';

/** Where siteverify's fields arrived: a JSON body keeps its types; forms and query strings only hold strings. */
export type SiteverifyBodyKind = 'json' | 'form' | 'none';

export interface RawSiteverifyRequest {
  body: unknown;
  bodyKind: SiteverifyBodyKind;
  query: unknown;
}

/**
 * Gathers siteverify's fields the way the anchors read them, before validation: the query string (reCAPTCHA
 * takes its fields there too) overlaid by the body. A field repeated in a form or a query string counts with
 * its first value, as the anchors' servers read a parameter (a servlet's `getParameter`, `FormData.get`).
 * Unknown fields pass through here and are dropped by the schema.
 */
export function siteverifyFields({ body, bodyKind, query }: RawSiteverifyRequest): Record<string, unknown> {
  const fromQuery = firstValues(isRecord(query) ? query : {});
  if (bodyKind === 'none' || body === null || body === undefined) return fromQuery;
  if (!isRecord(body)) throw new ValidationError('The body must be an object of fields');
  return { ...fromQuery, ...(bodyKind === 'form' ? firstValues(body) : body) };
}

function firstValues(fields: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) result[name] = Array.isArray(value) ? value[0] : value;
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
