/** Where siteverify answers: the anchors' path, and the versioned API path. */
export const SITEVERIFY_PATHS = ['/siteverify', '/api/v1/siteverify'];
