/**
 * Where siteverify answers: the anchors' own paths (hCaptcha's `/siteverify`, reCAPTCHA's
 * `/recaptcha/api/siteverify`, Turnstile's `/turnstile/v0/siteverify`, so a library that hard-codes its path
 * only needs the host changed) and the versioned API path.
 */
export const SITEVERIFY_PATHS = [
  '/siteverify',
  '/api/v1/siteverify',
  '/recaptcha/api/siteverify',
  '/turnstile/v0/siteverify',
];

/**
 * The paths that also answer GET with the fields in the query string, as reCAPTCHA's does. Turnstile's and
 * hCaptcha's take POST only, but hCaptcha shares `/siteverify` with reCAPTCHA's libraries.
 */
export const SITEVERIFY_GET_PATHS = ['/siteverify', '/api/v1/siteverify', '/recaptcha/api/siteverify'];
