/**
 * What the loader learns from its own URL: where the service is (so the widget calls whichever service
 * served it, from whatever page) and the `render` and `onload` parameters. Pure, for unit tests.
 */

export interface LoaderUrl {
  /** The service's root, ending in `/`: the API lives under it. */
  serviceBase: string;
  workerUrl: string;
  stylesheetUrl: string;
  /** The liveness chunk, imported only when a liveness challenge arrives. */
  livenessUrl: string;
  explicit: boolean;
  /** The name of a global function to call when the API is ready; only a plain identifier is accepted. */
  onload: string | null;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]{0,99}$/;

/** @param src the loader's URL, `<service>/widget/peerproof.js?…` (the service may sit under a path prefix). */
export function parseLoaderUrl(src: string): LoaderUrl {
  const url = new URL(src);
  const widgetBase = new URL('./', url).href;
  const onload = url.searchParams.get('onload');
  return {
    serviceBase: new URL('../', url).href,
    workerUrl: `${widgetBase}worker.js`,
    stylesheetUrl: `${widgetBase}peerproof.css`,
    livenessUrl: `${widgetBase}liveness.js`,
    explicit: url.searchParams.get('render') === 'explicit',
    onload: onload !== null && IDENTIFIER.test(onload) ? onload : null,
  };
}
