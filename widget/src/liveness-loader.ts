/**
 * Loads the liveness chunk (`/widget/liveness.js`: camera, face model, overlay) only when a liveness
 * challenge arrives, so the loader stays small and pages that never see one never fetch it. One import per
 * page, shared by every widget; a failed one is forgotten, so Retry tries the network again.
 */
import type { CaptureErrorCode, LivenessChunk, RunLiveness } from './liveness-contract';
import { CAPTURE_ERROR_CODES } from './liveness-contract';

/** The chunk could not be fetched or is not what the contract says: the widget reports `liveness-unavailable`. */
export class LivenessUnavailableError extends Error {
  readonly code = 'liveness-unavailable';

  constructor(cause: unknown) {
    super('liveness-unavailable', { cause });
  }
}

export type ImportModule = (url: string) => Promise<unknown>;

// A URL known only at run time: esbuild leaves this import() to the browser rather than bundling it.
const importModule: ImportModule = (url) => import(url);

export class LivenessLoader {
  private pending: Promise<RunLiveness> | null = null;
  private failures = 0;

  /**
   * @param chunkUrl `<service>/widget/liveness.js`
   * @param serviceBase the service's root, ending in `/`, which the chunk loads its model files from
   * @param load swapped in unit tests only: the browser tests import the real chunk
   */
  constructor(
    readonly chunkUrl: string,
    readonly serviceBase: string,
    private readonly load: ImportModule = importModule,
  ) {}

  runner(): Promise<RunLiveness> {
    this.pending ??= this.importChunk();
    return this.pending;
  }

  private async importChunk(): Promise<RunLiveness> {
    try {
      // Chromium keeps a failed module fetch in the page's module map, so importing the same URL again fails
      // without touching the network: each retry names the chunk with a fragment of its own (the request is
      // the same; the module map entry is new).
      const url = this.failures === 0 ? this.chunkUrl : `${this.chunkUrl}#retry-${this.failures}`;
      const chunk = (await this.load(url)) as Partial<LivenessChunk> | null;
      if (typeof chunk?.runLiveness !== 'function') throw new TypeError(`${this.chunkUrl} exports no runLiveness`);
      return chunk.runLiveness;
    } catch (error) {
      this.pending = null;
      this.failures += 1;
      console.warn(`peerproof: liveness-unavailable: ${String(error)}`);
      throw new LivenessUnavailableError(error);
    }
  }
}

/**
 * The code of a capture error the chunk rejected with, else null. By shape, not `instanceof`: the chunk is
 * bundled separately and throws its own copy of LivenessCaptureError.
 */
export function captureErrorCode(error: unknown): CaptureErrorCode | null {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return (CAPTURE_ERROR_CODES as readonly unknown[]).includes(code) ? (code as CaptureErrorCode) : null;
}
