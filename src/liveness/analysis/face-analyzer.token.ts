/**
 * The Nest token of the server's FaceAnalyzer. Its value may be null while no engine is installed: the
 * face, identity and prompt checks then report `unavailable`, which fails every attempt.
 */
export const FACE_ANALYZER = Symbol('FACE_ANALYZER');
