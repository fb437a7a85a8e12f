/**
 * The widgets on the page: renders one into a container (view, controller, hidden fields), finds them by id
 * or element, removes them. Both the `peerproof` API and the anchors' compatibility APIs sit on top of it.
 */
import { pickLanguage, textsFor } from './i18n';
import { loadStylesheet } from './stylesheet';
import type { ControllerDeps } from './widget-controller';
import { WidgetController } from './widget-controller';
import type { WidgetOptions } from './widget-options';
import { OptionsError } from './widget-options';
import type { HiddenField } from './widget-view';
import { WidgetView } from './widget-view';

export class WidgetRegistry {
  private readonly widgets = new Map<string, WidgetController>();
  private readonly byElement = new WeakMap<Element, string>();
  private counter = 0;

  constructor(
    private readonly deps: ControllerDeps,
    private readonly stylesheetUrl: string,
  ) {}

  /** Renders a widget into the container, or returns the one already there. */
  render(container: HTMLElement, options: WidgetOptions, fieldNames: readonly string[]): WidgetController {
    const existing = this.forElement(container);
    if (existing) return existing;
    const language = pickLanguage([options.language, ...(navigator.languages ?? []), navigator.language]);
    const widgetId = `peerproof-${++this.counter}`;
    const fields = fieldNames.map((name): HiddenField => ({ name, id: freeId(name) }));
    // The view's actions reach the controller, created next; they only run on later clicks.
    const texts = textsFor(language);
    const view = new WidgetView(
      container,
      { widgetId, theme: options.theme, size: options.size, language, texts, fields },
      {
        activate: () => controller.activate(),
        retry: () => controller.activate(),
        fallback: () => controller.continueWithoutCamera(),
        warm: () => controller.warm(),
      },
    );
    const { failed, hints } = texts.liveness;
    const verdictTexts = { failed, hints, retry: texts.retry };
    const controller = new WidgetController(widgetId, container, options, this.deps, view, { language, verdictTexts });
    this.widgets.set(widgetId, controller);
    this.byElement.set(container, widgetId);
    loadStylesheet(this.stylesheetUrl, view.root);
    return controller;
  }

  /** The widget with this id; without one, the first widget rendered on the page. */
  find(widgetId?: string): WidgetController | undefined {
    return widgetId === undefined ? this.widgets.values().next().value : this.widgets.get(widgetId);
  }

  forElement(element: Element): WidgetController | undefined {
    const id = this.byElement.get(element);
    return id === undefined ? undefined : this.widgets.get(id);
  }

  remove(controller: WidgetController | undefined): void {
    if (!controller) return;
    controller.remove();
    this.widgets.delete(controller.id);
    this.byElement.delete(controller.container);
  }
}

/**
 * An element given as itself, or named by its id (as reCAPTCHA's and hCaptcha's render take it) or by a CSS
 * selector (as Turnstile's and peerproof's do); an id wins over a selector that happens to match a tag.
 */
export function findContainer(target: unknown): HTMLElement {
  let element: Element | null = null;
  if (target instanceof Element) element = target;
  else if (typeof target === 'string') element = document.getElementById(target) ?? querySafely(target);
  if (!(element instanceof HTMLElement)) throw new OptionsError(`peerproof: no element ${String(target)}`);
  return element;
}

function querySafely(selector: string): Element | null {
  try {
    return document.querySelector(selector);
  } catch {
    return null;
  }
}

/** The field's name as its id while no element has it (what `getElementById` code expects), else name-2, -3… */
function freeId(name: string): string {
  let id = name;
  for (let n = 2; document.getElementById(id); n++) id = `${name}-${n}`;
  return id;
}
