/**
 * The test keys that reCAPTCHA, hCaptcha and Turnstile publish for integrators' CI, so that a site moving to
 * PeerProof keeps its test set-up: siteverify answers their test secrets as they do, and the widget's compat
 * mode passes or fails on their test sitekeys with their dummy tokens. Shared by the service and the widget.
 *
 * Sources: reCAPTCHA FAQ ("I'd like to run automated tests with reCAPTCHA"), hCaptcha "Integration
 * testing: test keys", Cloudflare "Test your Turnstile implementation".
 */
import { DUMMY_TOKEN } from './keys';

export type Anchor = 'recaptcha' | 'hcaptcha' | 'turnstile';

export type TestSecretOutcome = 'pass' | 'fail' | 'spent';

export interface AnchorTestSecret {
  anchor: Anchor;
  outcome: TestSecretOutcome;
  /** The `hostname` the anchor answers for a passing test secret. */
  hostname: string;
}

/** reCAPTCHA v2's one test key pair: every verification passes. */
export const RECAPTCHA_TEST_KEYS = {
  sitekey: '6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI',
  secret: '6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe',
} as const;

/** hCaptcha's publisher test key set and the token its test sitekey hands out. */
export const HCAPTCHA_TEST_KEYS = {
  sitekey: '10000000-ffff-ffff-ffff-000000000001',
  secret: '0x0000000000000000000000000000000000000000',
  token: '10000000-aaaa-bbbb-cccc-000000000001',
} as const;

/** Turnstile's dummy token, handed out by all its test sitekeys that pass. */
export const TURNSTILE_DUMMY_TOKEN = 'XXXX.DUMMY.TOKEN.XXXX';

export const ANCHOR_TEST_SECRETS: Readonly<Record<string, AnchorTestSecret>> = {
  [RECAPTCHA_TEST_KEYS.secret]: { anchor: 'recaptcha', outcome: 'pass', hostname: 'testkey.google.com' },
  [HCAPTCHA_TEST_KEYS.secret]: { anchor: 'hcaptcha', outcome: 'pass', hostname: 'dummy-key-pass' },
  '1x0000000000000000000000000000000AA': { anchor: 'turnstile', outcome: 'pass', hostname: 'example.com' },
  '2x0000000000000000000000000000000AA': { anchor: 'turnstile', outcome: 'fail', hostname: 'example.com' },
  '3x0000000000000000000000000000000AA': { anchor: 'turnstile', outcome: 'spent', hostname: 'example.com' },
};

export interface AnchorTestSitekey {
  anchor: Anchor;
  passes: boolean;
  /**
   * What the widget puts in the form when it passes: the anchor's dummy token. reCAPTCHA's test sitekey hands
   * out opaque tokens its test secret accepts whatever they hold: PeerProof's dummy token plays that part.
   */
  token: string;
}

export const ANCHOR_TEST_SITEKEYS: Readonly<Record<string, AnchorTestSitekey>> = {
  [RECAPTCHA_TEST_KEYS.sitekey]: { anchor: 'recaptcha', passes: true, token: DUMMY_TOKEN },
  [HCAPTCHA_TEST_KEYS.sitekey]: { anchor: 'hcaptcha', passes: true, token: HCAPTCHA_TEST_KEYS.token },
  '1x00000000000000000000AA': { anchor: 'turnstile', passes: true, token: TURNSTILE_DUMMY_TOKEN },
  '1x00000000000000000000BB': { anchor: 'turnstile', passes: true, token: TURNSTILE_DUMMY_TOKEN },
  '3x00000000000000000000FF': { anchor: 'turnstile', passes: true, token: TURNSTILE_DUMMY_TOKEN },
  '2x00000000000000000000AB': { anchor: 'turnstile', passes: false, token: '' },
  '2x00000000000000000000BB': { anchor: 'turnstile', passes: false, token: '' },
};

export function anchorTestSecret(secret: string): AnchorTestSecret | undefined {
  return Object.hasOwn(ANCHOR_TEST_SECRETS, secret) ? ANCHOR_TEST_SECRETS[secret] : undefined;
}

export function anchorTestSitekey(sitekey: string): AnchorTestSitekey | undefined {
  return Object.hasOwn(ANCHOR_TEST_SITEKEYS, sitekey) ? ANCHOR_TEST_SITEKEYS[sitekey] : undefined;
}
