/**
 * What the loader learns from its own URL: where the service is (so the widget calls whichever service
 * served it, from whatever page) and its parameters: `render`, `onload`, and for a page written for another
 * service `compat` (`recaptcha`, `hcaptcha`, `turnstile`), `hl` and `recaptchacompat`. Pure, for unit tests.
 */
import type { Compat } from './widget-options';

export interface LoaderUrl {
  /** The service's root, ending in `/`: the API lives under it. */
  serviceBase: string;
  workerUrl: string;
  stylesheetUrl: string;
  /** The liveness chunk, imported only when a liveness challenge arrives. */
  livenessUrl: string;
  /**
   * No implicit rendering: `render=explicit`, or reCAPTCHA v3's `render=<sitekey>` (which only executes);
   * `render=onload` is the anchors' spelling of the default.
   */
  explicit: boolean;
  /** The name of a global function to call when the API is ready; only a plain identifier is accepted. */
  onload: string | null;
  /** Which anchor's global, markup and field names to provide, besides `peerproof`'s own. */
  compat: Compat | null;
  /** The anchors' `hl`: the widgets' language unless a widget names its own. */
  language: string | null;
  /** hCaptcha's `recaptchacompat=off` turns off its reCAPTCHA alias and field. */
  recaptchaCompat: boolean;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]{0,99}$/;
const COMPATS: readonly Compat[] = ['recaptcha', 'hcaptcha', 'turnstile'];

/** @param src the loader's URL, `<service>/widget/peerproof.js?…` (the service may sit under a path prefix). */
export function parseLoaderUrl(src: string): LoaderUrl {
  const url = new URL(src);
  const param = (name: string) => url.searchParams.get(name);
  const widgetBase = new URL('./', url).href;
  const onload = param('onload');
  const render = param('render');
  const compat = param('compat') as Compat | null;
  const language = param('hl');
  return {
    serviceBase: new URL('../', url).href,
    workerUrl: `${widgetBase}worker.js`,
    stylesheetUrl: `${widgetBase}peerproof.css`,
    livenessUrl: `${widgetBase}liveness.js`,
    explicit: render !== null && render !== 'onload',
    onload: onload !== null && IDENTIFIER.test(onload) ? onload : null,
    compat: compat !== null && COMPATS.includes(compat) ? compat : null,
    language: language !== null && /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(language) ? language : null,
    recaptchaCompat: param('recaptchacompat') !== 'off',
  };
}
