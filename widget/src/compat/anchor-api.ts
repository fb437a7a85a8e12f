/**
 * The anchors' JavaScript APIs on top of the widget registry, for pages written for reCAPTCHA (`grecaptcha`,
 * `grecaptcha.enterprise`), hCaptcha (`hcaptcha`) or Turnstile (`turnstile`): render into an element or an
 * element id with their parameter names, reset / getResponse / execute / remove / ready, their widget ids,
 * and implicit rendering of their class with its `data-*` attributes, buttons included (invisible widgets
 * bound to a submit button, as in reCAPTCHA's and hCaptcha's examples).
 */
import type { LoaderUrl } from '../loader-url';
import type { WidgetController } from '../widget-controller';
import type { Compat } from '../widget-options';
import { resolveOptions } from '../widget-options';
import type { WidgetRegistry } from '../widget-registry';
import { findContainer } from '../widget-registry';
import type { AnchorParams } from './anchor-options';
import { ANCHORS, anchorFieldNames, anchorRenderOptions, runsOnRender } from './anchor-options';

/** reCAPTCHA's ids are numbers (0, 1, …); hCaptcha's and Turnstile's are strings. */
type AnchorWidgetId = string | number;

export interface InstalledAnchor {
  /** Renders every element of the anchor's class (the loader calls it once the DOM is ready). */
  renderImplicitly(): void;
}

type Globals = Record<string, unknown> & { ___grecaptcha_cfg?: { fns?: unknown } };

export function installAnchorApi(
  compat: Compat,
  widgets: WidgetRegistry,
  loader: LoaderUrl,
  whenDomReady: (then: () => void) => void,
): InstalledAnchor {
  const spec = ANCHORS[compat];
  const ids: string[] = [];
  const globals = window as unknown as Globals;

  const renderInto = (container: HTMLElement, params: AnchorParams, dataset: DOMStringMap): WidgetController => {
    const existing = widgets.forElement(container);
    if (existing) return existing;
    const options = resolveOptions(dataset, anchorRenderOptions(spec, params, dataset, loader.language));
    const controller = widgets.render(
      container,
      options,
      anchorFieldNames(spec, params, dataset, loader.recaptchaCompat),
    );
    if (!ids.includes(controller.id)) ids.push(controller.id);
    if (runsOnRender(spec, params, dataset)) void controller.execute().catch(() => undefined);
    return controller;
  };
  const externalId = (controller: WidgetController): AnchorWidgetId =>
    compat === 'recaptcha' ? ids.indexOf(controller.id) : controller.id;
  /** A widget by the anchor's id, or (Turnstile) by its container; without one, the first on the page. */
  const find = (id?: unknown): WidgetController | undefined => {
    if (id === undefined || id === null || id === '') return widgets.find(ids[0]);
    if (typeof id === 'number') return widgets.find(ids[id]);
    if (typeof id === 'string' && ids.includes(id)) return widgets.find(id);
    try {
      return widgets.forElement(findContainer(id));
    } catch {
      return undefined;
    }
  };

  const render = (target: unknown, params: AnchorParams = {}) => {
    const container = findContainer(target);
    return externalId(renderInto(container, params, container.dataset));
  };
  /** reCAPTCHA v3: `execute(sitekey, {action})` runs a one-off invisible check and resolves with its token. */
  const executeForSitekey = (sitekey: string, params: AnchorParams) => {
    const holder = document.createElement('div');
    holder.hidden = true;
    document.body.append(holder);
    const controller = renderInto(holder, { ...params, sitekey, size: 'invisible' }, {});
    return controller.execute().finally(() => {
      widgets.remove(controller);
      holder.remove();
    });
  };
  const execute = (id?: unknown, params: AnchorParams = {}): Promise<unknown> => {
    if (compat === 'recaptcha' && typeof id === 'string' && !ids.includes(id)) return executeForSitekey(id, params);
    // Turnstile: execute(container, params) renders there first when nothing is.
    const controller = find(id) ?? (compat === 'turnstile' && id !== undefined ? find(render(id, params)) : undefined);
    if (!controller) return Promise.reject(new Error('no-widget'));
    const token = controller.execute();
    // hCaptcha's execute(id, {async: true}) resolves with {response, key}.
    return params.async === true ? token.then((response) => ({ response, key: '' })) : token;
  };
  const ready = (then: () => void) => whenDomReady(() => then());

  const api: Record<string, unknown> = {
    render,
    reset: (id?: unknown) => find(id)?.reset(),
    getResponse: (id?: unknown) => find(id)?.response() ?? '',
    execute,
    remove: (id?: unknown) => widgets.remove(find(id)),
    ready,
  };
  if (compat === 'recaptcha') api.enterprise = api;
  if (compat === 'hcaptcha')
    Object.assign(api, { getRespKey: () => '', setData: () => undefined, close: () => undefined });
  if (compat === 'turnstile') api.isExpired = (id?: unknown) => find(id)?.expired() ?? false;
  globals[spec.global] = api;
  // hCaptcha answers to reCAPTCHA's name too, unless told not to.
  if (compat === 'hcaptcha' && loader.recaptchaCompat && globals.grecaptcha === undefined) globals.grecaptcha = api;
  // reCAPTCHA's documented way to queue work before its script loaded: ___grecaptcha_cfg.fns.
  const queued = globals.___grecaptcha_cfg?.fns;
  if (compat === 'recaptcha' && Array.isArray(queued)) {
    for (const fn of queued) if (typeof fn === 'function') ready(fn as () => void);
  }

  const renderElement = (element: HTMLElement) => {
    if (!isButton(element)) return renderInto(element, {}, element.dataset);
    // A button of the class: an invisible widget beside it, run by the click, whose callback submits.
    const holder = document.createElement('div');
    element.after(holder);
    const controller = renderInto(holder, { size: 'invisible' }, element.dataset);
    element.addEventListener('click', (event) => {
      event.preventDefault();
      void controller.execute().catch(() => undefined);
    });
    return controller;
  };
  return {
    renderImplicitly() {
      for (const element of Array.from(document.querySelectorAll<HTMLElement>(`.${spec.className}`))) {
        try {
          renderElement(element);
        } catch (error) {
          console.error(error);
        }
      }
    },
  };
}

function isButton(element: HTMLElement): boolean {
  return element instanceof HTMLButtonElement || (element instanceof HTMLInputElement && element.type === 'submit');
}
