/**
 * HTTP Range requests (RFC 9110 §14) for the model files: resumable downloads and the web seeds of the
 * torrents, which fetch pieces by range.
 */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const BYTES_PREFIX = /^\s*bytes\s*=/i;
const SINGLE_RANGE = /^\s*(\d*)\s*-\s*(\d*)\s*$/;

/**
 * What to send for a `Range` header on a file of `size` bytes. No header, another unit, or several ranges
 * get the whole file (a server may ignore a Range header, and clients that ask for several ranges accept
 * a full answer; multipart/byteranges is not worth its complexity here). A malformed byte range, or one
 * that starts past the end, is unsatisfiable (416). `end` is inclusive, as in Content-Range.
 */
export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined || !BYTES_PREFIX.test(header)) return { kind: 'full' };
  const spec = header.replace(BYTES_PREFIX, '');
  if (spec.includes(',')) return { kind: 'full' };
  const match = SINGLE_RANGE.exec(spec);
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'unsatisfiable' };
  if (match[1] === '') return suffixRange(Number(match[2]), size);
  const start = Number(match[1]);
  const last = match[2] === '' ? size - 1 : Number(match[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(last) || last < start || start >= size) {
    return { kind: 'unsatisfiable' };
  }
  return { kind: 'partial', start, end: Math.min(last, size - 1) };
}

/** `bytes=-N`: the last N bytes (the whole file when N exceeds it). */
function suffixRange(length: number, size: number): RangeDecision {
  if (!Number.isSafeInteger(length) || length === 0 || size === 0) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start: Math.max(0, size - length), end: size - 1 };
}
