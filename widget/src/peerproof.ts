/**
 * The loader, `/widget/peerproof.js`: renders `.peerproof[data-sitekey]` elements and exposes
 * `window.peerproof`. It talks to the service that served it (found from its own script URL), links that
 * service's stylesheet, and starts the solver worker only when a check is about to run.
 */
import { pickLanguage, textsFor } from './i18n';
import { ServiceClient } from './service-client';
import { SolverClient } from './solver-client';
import { WidgetController } from './widget-controller';
import type { RenderOptions } from './widget-options';
import { OptionsError, resolveOptions, responseFieldNames } from './widget-options';
import { WidgetView } from './widget-view';
import { loadStylesheet } from './stylesheet';
import { parseLoaderUrl } from './loader-url';
import { LivenessLoader } from './liveness-loader';

export interface PeerProofApi {
  render(container: Element | string, options?: RenderOptions): string;
  reset(widgetId?: string): void;
  getResponse(widgetId?: string): string;
  execute(widgetId?: string): Promise<string>;
  remove(widgetId?: string): void;
}

declare global {
  interface Window {
    peerproof?: PeerProofApi;
  }
}

// Only valid while this script runs for the first time, hence read at the top level.
const loader = parseLoaderUrl(
  (document.currentScript as HTMLScriptElement | null)?.src ?? findLoaderScript() ?? location.href,
);

/** Without currentScript (a bundler inlined us, or the loader was injected oddly), look for our tag. */
function findLoaderScript(): string | undefined {
  const scripts = Array.from(document.querySelectorAll<HTMLScriptElement>('script[src*="/widget/peerproof.js"]'));
  return scripts.at(-1)?.src;
}

function createApi(): PeerProofApi {
  const deps = {
    service: new ServiceClient(loader.serviceBase),
    solver: new SolverClient(loader.workerUrl),
    liveness: new LivenessLoader(loader.livenessUrl, loader.serviceBase),
  };
  const widgets = new Map<string, WidgetController>();
  const byElement = new WeakMap<Element, string>();
  let counter = 0;

  const find = (widgetId?: string): WidgetController | undefined =>
    widgetId === undefined ? widgets.values().next().value : widgets.get(widgetId);

  return {
    render(target, options = {}) {
      const container = typeof target === 'string' ? document.querySelector(target) : target;
      if (!(container instanceof HTMLElement)) throw new OptionsError(`peerproof: no element ${String(target)}`);
      const existing = byElement.get(container);
      if (existing && widgets.has(existing)) return existing;
      const resolved = resolveOptions(container.dataset, options);
      const language = pickLanguage([resolved.language, ...(navigator.languages ?? []), navigator.language]);
      const texts = textsFor(language);
      const widgetId = `peerproof-${++counter}`;
      // The view's actions reach the controller, created next; they only run on later clicks.
      const view = new WidgetView(
        container,
        {
          widgetId,
          theme: resolved.theme,
          size: resolved.size,
          language,
          texts,
          fieldNames: responseFieldNames(resolved),
        },
        {
          activate: () => controller.activate(),
          retry: () => controller.activate(),
          fallback: () => controller.continueWithoutCamera(),
          warm: () => controller.warm(),
        },
      );
      const controller = new WidgetController(widgetId, container, resolved, deps, view, { language });
      widgets.set(widgetId, controller);
      byElement.set(container, widgetId);
      loadStylesheet(loader.stylesheetUrl, view.root);
      return widgetId;
    },
    reset: (widgetId) => find(widgetId)?.reset(),
    getResponse: (widgetId) => find(widgetId)?.response() ?? '',
    execute: (widgetId) => find(widgetId)?.execute() ?? Promise.reject(new Error('no-widget')),
    remove(widgetId) {
      const controller = find(widgetId);
      if (!controller) return;
      controller.remove();
      widgets.delete(controller.id);
      byElement.delete(controller.container);
    },
  };
}

function renderAll(api: PeerProofApi): void {
  for (const element of Array.from(document.querySelectorAll('.peerproof[data-sitekey]'))) {
    try {
      api.render(element);
    } catch (error) {
      console.error(error);
    }
  }
}

function whenDomReady(then: () => void): void {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', then, { once: true });
  else then();
}

function start(): void {
  // A page that includes the loader twice keeps the first copy and its widgets.
  if (window.peerproof) return;
  const api = createApi();
  window.peerproof = api;
  whenDomReady(() => {
    if (!loader.explicit) renderAll(api);
    if (!loader.onload) return;
    // Looked up by name, never evaluated: the parameter cannot run code of its own.
    const callback = (window as unknown as Record<string, unknown>)[loader.onload];
    if (typeof callback === 'function') callback();
    else console.warn(`peerproof: onload function ${loader.onload} not found`);
  });
}

start();
