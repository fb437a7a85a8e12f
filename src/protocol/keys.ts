/**
 * Public formats of keys and tokens, shared by the service, the CLI and the widget.
 * Prefixes make a leaked value recognisable (secret scanners, logs) and catch keys pasted in the wrong place.
 */
export const SITEKEY_PREFIX = 'ppk_';
export const SECRET_PREFIX = 'pps_';
export const TOKEN_PREFIX = 'ppt_';

export const SITEKEY_BYTES = 16;
export const SECRET_BYTES = 32;
export const TOKEN_BYTES = 32;

/** Longest response token siteverify looks at (Turnstile's limit); anything longer is rejected unread. */
export const MAX_RESPONSE_LENGTH = 2048;

/**
 * Test keys in the pattern of Turnstile's: integrators can exercise their backend in CI without a
 * camera or a real challenge. They behave the same on every PeerProof deployment.
 */
export const TEST_SITEKEYS = {
  alwaysPass: 'ppk_test_always_pass',
  alwaysFail: 'ppk_test_always_fail',
} as const;

export const TEST_SECRETS = {
  alwaysPass: 'pps_test_always_pass',
  alwaysFail: 'pps_test_always_fail',
  tokenSpent: 'pps_test_token_spent',
} as const;

/** What the test sitekey that always passes hands out; production secrets reject it. */
export const DUMMY_TOKEN = 'ppt_test.DUMMY.TOKEN';

export const TEST_HOSTNAME = 'example.com';
