/**
 * The loader, `/widget/peerproof.js`: renders `.peerproof[data-sitekey]` elements and exposes
 * `window.peerproof`. It talks to the service that served it (found from its own script URL), links that
 * service's stylesheet, and starts the solver worker only when a check is about to run. With `?compat=`
 * it also plays reCAPTCHA, hCaptcha or Turnstile for pages written for them (compat/anchor-api.ts).
 */
import { installAnchorApi } from './compat/anchor-api';
import { LivenessLoader } from './liveness-loader';
import { parseLoaderUrl } from './loader-url';
import { ServiceClient } from './service-client';
import { SolverClient } from './solver-client';
import type { RenderOptions } from './widget-options';
import { resolveOptions, responseFieldNames } from './widget-options';
import { WidgetRegistry, findContainer } from './widget-registry';

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

function createRegistry(): WidgetRegistry {
  const deps = {
    service: new ServiceClient(loader.serviceBase),
    solver: new SolverClient(loader.workerUrl),
    liveness: new LivenessLoader(loader.livenessUrl, loader.serviceBase),
  };
  return new WidgetRegistry(deps, loader.stylesheetUrl);
}

function createApi(widgets: WidgetRegistry): PeerProofApi {
  return {
    render(target, options = {}) {
      const container = findContainer(target);
      // Rendering twice into one element returns the widget already there, whatever the options.
      const existing = widgets.forElement(container);
      if (existing) return existing.id;
      const resolved = resolveOptions(container.dataset, { language: loader.language ?? undefined, ...options });
      return widgets.render(container, resolved, responseFieldNames(resolved)).id;
    },
    reset: (widgetId) => widgets.find(widgetId)?.reset(),
    getResponse: (widgetId) => widgets.find(widgetId)?.response() ?? '',
    execute: (widgetId) => widgets.find(widgetId)?.execute() ?? Promise.reject(new Error('no-widget')),
    remove: (widgetId) => widgets.remove(widgets.find(widgetId)),
  };
}

/** Renders every element matching the selector; one broken element must not stop the others. */
function renderAll(selector: string, render: (element: HTMLElement) => void): void {
  for (const element of Array.from(document.querySelectorAll<HTMLElement>(selector))) {
    try {
      render(element);
    } catch (error) {
      console.error(error);
    }
  }
}

function whenDomReady(then: () => void): void {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', then, { once: true });
  else then();
}

/** Calls a global function by name, never evaluating anything: the parameter cannot run code of its own. */
function callGlobal(name: string): void {
  const callback = (window as unknown as Record<string, unknown>)[name];
  if (typeof callback === 'function') callback();
  else console.warn(`peerproof: onload function ${name} not found`);
}

function start(): void {
  // A page that includes the loader twice keeps the first copy and its widgets.
  if (window.peerproof) return;
  const widgets = createRegistry();
  const api = createApi(widgets);
  window.peerproof = api;
  const anchor = loader.compat ? installAnchorApi(loader.compat, widgets, loader, whenDomReady) : null;
  whenDomReady(() => {
    if (!loader.explicit) {
      renderAll('.peerproof[data-sitekey]', (element) => api.render(element));
      anchor?.renderImplicitly();
    }
    if (loader.onload) callGlobal(loader.onload);
  });
}

start();
