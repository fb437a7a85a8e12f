/**
 * Widget options from `data-*` attributes and from `peerproof.render(el, options)`, normalised once.
 * Pure: the loader hands in the element's dataset as a plain record, so the rules are unit-tested.
 */

export type Theme = 'auto' | 'light' | 'dark';
export type Size = 'normal' | 'compact' | 'invisible';
export type Compat = 'recaptcha' | 'hcaptcha' | 'turnstile';

/** A callback given as a function, or as the name of a global function looked up when it is called. */
export type CallbackRef<A extends unknown[]> = ((...args: A) => void) | string;

/** What `peerproof.render` accepts; multi-word names in reCAPTCHA's spelling or in camelCase. */
export interface RenderOptions {
  sitekey?: string;
  theme?: Theme;
  size?: Size;
  language?: string;
  callback?: CallbackRef<[token: string]>;
  'expired-callback'?: CallbackRef<[]>;
  expiredCallback?: CallbackRef<[]>;
  'error-callback'?: CallbackRef<[code: string]>;
  errorCallback?: CallbackRef<[code: string]>;
  action?: string;
  cdata?: string;
  'response-field-name'?: string;
  responseFieldName?: string;
  compat?: Compat;
}

export interface WidgetOptions {
  sitekey: string;
  theme: Theme;
  size: Size;
  language: string | null;
  callback: CallbackRef<[token: string]> | null;
  expiredCallback: CallbackRef<[]> | null;
  errorCallback: CallbackRef<[code: string]> | null;
  action: string | null;
  cdata: string | null;
  responseFieldName: string;
  compat: Compat | null;
}

export const DEFAULT_RESPONSE_FIELD = 'peerproof-response';

/** The form field each compatibility mode fills in addition to `peerproof-response`. */
export const COMPAT_FIELDS: Record<Compat, string> = {
  recaptcha: 'g-recaptcha-response',
  hcaptcha: 'h-captcha-response',
  turnstile: 'cf-turnstile-response',
};

const THEMES: readonly Theme[] = ['auto', 'light', 'dark'];
const SIZES: readonly Size[] = ['normal', 'compact', 'invisible'];
const COMPATS = Object.keys(COMPAT_FIELDS) as Compat[];

/** Thrown for options a widget cannot work without; the message names the problem for the integrator. */
export class OptionsError extends Error {}

/**
 * Merges the element's data attributes (as `HTMLElement.dataset` names them: `expiredCallback` for
 * `data-expired-callback`) with explicit options, which win. Unknown enum values fall back to the default
 * rather than breaking a signup form over a typo.
 */
export function resolveOptions(dataset: Readonly<Record<string, string | undefined>>, options: RenderOptions = {}) {
  const pick = <T>(...values: (T | undefined)[]): T | undefined => values.find((v) => v !== undefined && v !== '');
  const sitekey = pick(options.sitekey, dataset.sitekey)?.trim();
  if (!sitekey) throw new OptionsError('peerproof: a sitekey is required (data-sitekey or the sitekey option)');
  const resolved: WidgetOptions = {
    sitekey,
    theme: oneOf(pick(options.theme, dataset.theme), THEMES, 'auto'),
    size: oneOf(pick(options.size, dataset.size), SIZES, 'normal'),
    language: pick(options.language, dataset.language) ?? null,
    callback: pick(options.callback, dataset.callback) ?? null,
    expiredCallback: pick(options['expired-callback'], options.expiredCallback, dataset.expiredCallback) ?? null,
    errorCallback: pick(options['error-callback'], options.errorCallback, dataset.errorCallback) ?? null,
    action: pick(options.action, dataset.action) ?? null,
    cdata: pick(options.cdata, dataset.cdata) ?? null,
    responseFieldName:
      pick(options['response-field-name'], options.responseFieldName, dataset.responseFieldName) ??
      DEFAULT_RESPONSE_FIELD,
    compat: oneOf<Compat | null>(pick(options.compat, dataset.compat), COMPATS, null),
  };
  return resolved;
}

function oneOf<T>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** The hidden form fields a widget fills: its own, plus the compatibility field when asked. */
export function responseFieldNames(options: WidgetOptions): string[] {
  const names = [options.responseFieldName];
  if (options.compat && !names.includes(COMPAT_FIELDS[options.compat])) names.push(COMPAT_FIELDS[options.compat]);
  return names;
}
