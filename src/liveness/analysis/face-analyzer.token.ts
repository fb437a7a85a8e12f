import type { FaceAnalyzer } from './face-analyzer';

/**
 * The Nest token of the server's face analysis: a loader, called once the model registry is ready (on the
 * first attempt step). A loader that fails leaves the face, identity and prompt checks `unavailable`, which
 * fails every attempt; tests may provide another analyzer through it.
 */
export const FACE_ANALYZER = Symbol('FACE_ANALYZER');

export type FaceAnalyzerLoader = () => Promise<FaceAnalyzer>;
