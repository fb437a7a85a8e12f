/**
 * Fetches the model a challenge names and refuses it unless its SHA-256 matches the challenge's
 * `modelSha256`: the worker only ever runs the exact file the service will verify against. The model URL
 * is served with immutable caching, so the HTTP cache keeps it between visits; within the worker's life
 * the checked bytes are kept in memory too.
 */

export class SolveError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const checked = new Map<string, Promise<Uint8Array>>();

export function fetchCheckedModel(url: string, sha256: string): Promise<Uint8Array> {
  let pending = checked.get(sha256);
  if (!pending) {
    pending = download(url, sha256);
    checked.set(sha256, pending);
    // A failed download must not be remembered: the next attempt fetches again.
    pending.catch(() => checked.delete(sha256));
  }
  return pending;
}

async function download(url: string, expected: string): Promise<Uint8Array> {
  if (!crypto?.subtle) throw new SolveError('insecure-context', 'Web Crypto needs https: or localhost');
  let bytes: ArrayBuffer;
  try {
    const response = await fetch(url, { credentials: 'omit' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    bytes = await response.arrayBuffer();
  } catch (error) {
    throw new SolveError('model-unavailable', `model ${url}: ${(error as Error).message}`);
  }
  const actual = toHex(await crypto.subtle.digest('SHA-256', bytes));
  if (actual !== expected.toLowerCase()) {
    throw new SolveError('model-integrity', `model sha256 is ${actual}, the challenge says ${expected}`);
  }
  return new Uint8Array(bytes);
}

export function toHex(digest: ArrayBuffer): string {
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
