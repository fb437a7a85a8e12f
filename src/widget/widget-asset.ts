/**
 * How one file of the built widget is answered: content type, cache policy and which precompressed variant
 * to send. Pure, so the rules are unit-tested; widget/build.mjs writes the manifest these entries come from.
 */

/** One file in widget/dist/manifest.json. */
export interface WidgetManifestEntry {
  bytes: number;
  sha256: string;
  /** Content-hashed name (ort/, chunks/): its bytes never change, so it may be cached for a year. */
  immutable: boolean;
  /** Sizes of the precompressed siblings written next to it (`<file>.br`, `<file>.gz`). */
  encodings: Partial<Record<Encoding, number>>;
}

export interface WidgetManifest {
  version: 1;
  files: Record<string, WidgetManifestEntry>;
}

export type Encoding = 'br' | 'gzip';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const SUFFIX: Record<Encoding, string> = { br: '.br', gzip: '.gz' };

/** A year for content-hashed files; five minutes for stable names, so a new loader reaches pages quickly. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
export const SHORT_CACHE = 'public, max-age=300';

export function contentTypeFor(file: string): string {
  const dot = file.lastIndexOf('.');
  return CONTENT_TYPES[dot === -1 ? '' : file.slice(dot).toLowerCase()] ?? 'application/octet-stream';
}

/** Brotli when the client accepts it, else gzip, else none; `q=0` refuses an encoding (RFC 9110 12.5.3). */
export function chooseEncoding(acceptEncoding: string | undefined, entry: WidgetManifestEntry): Encoding | null {
  if (!acceptEncoding) return null;
  const accepted = new Set<string>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((token) => token.trim());
    const q = params.find((param) => param.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) accepted.add(name);
  }
  for (const encoding of ['br', 'gzip'] as const) {
    if (entry.encodings[encoding] !== undefined && (accepted.has(encoding) || accepted.has('*'))) return encoding;
  }
  return null;
}

/** Each representation has its own strong ETag: the compressed bytes differ from the plain ones. */
export function etagFor(entry: WidgetManifestEntry, encoding: Encoding | null): string {
  return `"${entry.sha256.slice(0, 32)}${encoding ? `-${encoding}` : ''}"`;
}

export function storedName(file: string, encoding: Encoding | null): string {
  return encoding ? file + SUFFIX[encoding] : file;
}

/** If-None-Match: `*` or a list of (possibly weak) tags, compared weakly as RFC 9110 asks for GET. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/** Checks the parsed manifest's shape, so a damaged file reads as "not built" instead of failing later. */
export function isWidgetManifest(value: unknown): value is WidgetManifest {
  if (typeof value !== 'object' || value === null) return false;
  const { version, files } = value as { version?: unknown; files?: unknown };
  if (version !== 1 || typeof files !== 'object' || files === null) return false;
  return Object.values(files).every(
    (entry: Partial<WidgetManifestEntry>) =>
      typeof entry?.sha256 === 'string' && typeof entry.bytes === 'number' && typeof entry.encodings === 'object',
  );
}
