import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from './domain-error';

/**
 * Accepts `multipart/form-data` bodies on the given routes only (Cloudflare's FormData examples send
 * siteverify's fields that way); every other route keeps answering such a body with 415. The parts are read
 * with the platform's own FormData parser; file parts are ignored.
 */
export function acceptMultipartForms(fastify: FastifyInstance, routes: readonly string[]): void {
  const allowed = new Set(routes);
  fastify.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'buffer' },
    async (request: FastifyRequest, body: Buffer) => {
      if (!allowed.has(request.routeOptions.url ?? '')) {
        throw new DomainError(
          'unsupported-media-type',
          'Send application/json or application/x-www-form-urlencoded',
          415,
        );
      }
      return parseMultipartForm(request.headers['content-type'] ?? '', body);
    },
  );
}

/** The text fields of a multipart body, every value of a repeated name in order. */
export async function parseMultipartForm(contentType: string, body: Buffer): Promise<Record<string, string[]>> {
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new DomainError('malformed-multipart', 'The multipart/form-data body could not be parsed', 400);
  }
  // No prototype: a part named __proto__ stays an ordinary field.
  const fields = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') (fields[name] ??= []).push(value);
  }
  return fields;
}
