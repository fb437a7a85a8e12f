/**
 * How reCAPTCHA's, hCaptcha's and Turnstile's render parameters and `data-*` attributes map onto the
 * widget's options. Pure (no DOM), so the rules are unit-tested.
 */
import type { CallbackRef, Compat, RenderOptions, Theme } from '../widget-options';

export interface AnchorSpec {
  /** The global the anchor's script defines. */
  global: 'grecaptcha' | 'hcaptcha' | 'turnstile';
  /** Elements of this class are rendered implicitly. */
  className: string;
  /** The hidden form field the anchor fills. */
  field: string;
  defaultTheme: Theme;
  /** Turnstile runs its check as soon as it renders (unless `execution: 'execute'`); the others wait for a click. */
  runsOnRender: boolean;
}

export const ANCHORS: Record<Compat, AnchorSpec> = {
  recaptcha: {
    global: 'grecaptcha',
    className: 'g-recaptcha',
    field: 'g-recaptcha-response',
    defaultTheme: 'light',
    runsOnRender: false,
  },
  hcaptcha: {
    global: 'hcaptcha',
    className: 'h-captcha',
    field: 'h-captcha-response',
    defaultTheme: 'light',
    runsOnRender: false,
  },
  turnstile: {
    global: 'turnstile',
    className: 'cf-turnstile',
    field: 'cf-turnstile-response',
    defaultTheme: 'auto',
    runsOnRender: true,
  },
};

/** reCAPTCHA's field, which hCaptcha fills too unless the loader says `recaptchacompat=off`. */
export const RECAPTCHA_FIELD = ANCHORS.recaptcha.field;

export type AnchorParams = Readonly<Record<string, unknown>>;
export type Dataset = Readonly<Record<string, string | undefined>>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

const callback = <A extends unknown[]>(value: unknown): CallbackRef<A> | undefined =>
  typeof value === 'function' || typeof value === 'string' ? (value as CallbackRef<A>) : undefined;

/**
 * The widget options for an anchor's render parameters (which win) over the element's `data-*` attributes.
 * Names the widget shares with the anchors pass through; `hl` and Turnstile's `cData` are translated; the
 * theme defaults to the anchor's. Unknown values fall back as the widget's own options do.
 */
export function anchorRenderOptions(
  spec: AnchorSpec,
  params: AnchorParams,
  dataset: Dataset,
  loaderLanguage: string | null,
): RenderOptions {
  return {
    sitekey: text(params.sitekey),
    theme: (text(params.theme) ?? dataset.theme ?? spec.defaultTheme) as Theme,
    size: text(params.size) as RenderOptions['size'],
    language: text(params.language) ?? text(params.hl) ?? dataset.hl ?? loaderLanguage ?? undefined,
    callback: callback(params.callback),
    expiredCallback: callback(params['expired-callback']),
    errorCallback: callback(params['error-callback']),
    action: text(params.action),
    cdata: text(params.cData) ?? text(params.cdata),
  };
}

/** The hidden fields an anchor's widget fills: its own (renamed or left out where Turnstile allows). */
export function anchorFieldNames(
  spec: AnchorSpec,
  params: AnchorParams,
  dataset: Dataset,
  recaptchaCompat: boolean,
): string[] {
  if (spec.global === 'turnstile') {
    if (String(params['response-field'] ?? dataset.responseField) === 'false') return [];
    return [text(params['response-field-name']) ?? dataset.responseFieldName ?? spec.field];
  }
  return spec.global === 'hcaptcha' && recaptchaCompat ? [spec.field, RECAPTCHA_FIELD] : [spec.field];
}

/** Turnstile's `execution: 'execute'` (or `data-execution`) defers the check to `turnstile.execute`. */
export function runsOnRender(spec: AnchorSpec, params: AnchorParams, dataset: Dataset): boolean {
  return spec.runsOnRender && (text(params.execution) ?? dataset.execution) !== 'execute';
}
