/**
 * The widget's DOM. Built with createElement and textContent only (never innerHTML, never a `style`
 * attribute), so it works under a CSP without 'unsafe-inline'; all looks come from peerproof.css, keyed on
 * the root's classes and `data-state`. The view renders whatever state the controller hands it.
 */
import type { Texts } from './i18n';
import { errorTextKey } from './i18n';
import type { Size, Theme } from './widget-options';
import type { WidgetState } from './widget-state';
import { progressPercent } from './widget-state';

export interface ViewOptions {
  widgetId: string;
  theme: Theme;
  size: Size;
  language: string;
  texts: Texts;
  fieldNames: string[];
}

export interface ViewActions {
  /** The checkbox was activated (click, Enter or Space). */
  activate(): void;
  retry(): void;
  /** The pointer or focus reached the checkbox: a click is likely, so warm up. */
  warm(): void;
}

export class WidgetView {
  readonly root: HTMLElement;
  private readonly check: HTMLButtonElement;
  private readonly label: HTMLElement;
  private readonly bar: HTMLElement;
  private readonly fill: HTMLElement;
  private readonly percent: HTMLElement;
  private readonly status: HTMLElement;
  private readonly retryButton: HTMLButtonElement;
  private readonly fields: HTMLInputElement[];
  private readonly percentFormat: Intl.NumberFormat;
  private lastStatus = '';

  constructor(
    container: HTMLElement,
    private readonly options: ViewOptions,
    actions: ViewActions,
  ) {
    const { texts, widgetId } = options;
    const statusId = `${widgetId}-status`;
    this.root = el('div', `peerproof-widget peerproof-theme-${options.theme} peerproof-size-${options.size}`);
    this.root.lang = options.language;
    this.root.id = widgetId;

    this.check = el('button', 'peerproof-check');
    this.check.type = 'button';
    this.check.setAttribute('role', 'checkbox');
    this.check.setAttribute('aria-describedby', statusId);
    const box = el('span', 'peerproof-box');
    box.setAttribute('aria-hidden', 'true');
    this.label = text(el('span', 'peerproof-label'), texts.label);
    this.check.append(box, this.label);
    this.check.addEventListener('click', () => actions.activate());
    this.check.addEventListener('pointerenter', () => actions.warm(), { once: true });
    this.check.addEventListener('focus', () => actions.warm(), { once: true });

    this.bar = el('div', 'peerproof-progress');
    this.bar.setAttribute('role', 'progressbar');
    this.bar.setAttribute('aria-label', texts.progress);
    this.bar.setAttribute('aria-valuemin', '0');
    this.bar.setAttribute('aria-valuemax', '100');
    this.fill = el('div', 'peerproof-progress-fill');
    this.bar.append(this.fill);
    this.percent = el('span', 'peerproof-percent');
    this.percent.setAttribute('aria-hidden', 'true');

    this.status = el('p', 'peerproof-status');
    this.status.id = statusId;
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    this.retryButton = text(el('button', 'peerproof-retry'), texts.retry);
    this.retryButton.type = 'button';
    this.retryButton.addEventListener('click', () => actions.retry());

    const main = el('div', 'peerproof-main');
    // The wordmark stays short in every language, leaving the label its room; the full phrase is its tooltip.
    const brand = text(el('span', 'peerproof-brand'), 'PeerProof');
    brand.title = texts.brand;
    main.append(this.check, this.percent, brand);
    const footer = el('div', 'peerproof-footer');
    footer.append(this.status, this.retryButton);
    this.root.append(main, this.bar, footer);
    this.fields = options.fieldNames.map((name) => hiddenField(name));
    this.percentFormat = new Intl.NumberFormat(options.language, { style: 'percent' });
    container.append(this.root, ...this.fields);
  }

  render(state: WidgetState): void {
    this.root.dataset.state = state.kind;
    const busy = state.kind === 'fetching-challenge' || state.kind === 'solving' || state.kind === 'verifying';
    this.check.setAttribute('aria-checked', state.kind === 'solved' ? 'true' : busy ? 'mixed' : 'false');
    this.check.setAttribute('aria-disabled', String(busy || state.kind === 'solved'));
    this.root.setAttribute('aria-busy', String(busy));
    const percent = progressPercent(state);
    this.bar.setAttribute('aria-valuenow', String(percent));
    // CSSOM, not a style attribute: CSP governs the latter, not this.
    this.fill.style.width = `${percent}%`;
    this.percent.textContent = state.kind === 'solving' ? this.percentFormat.format(percent / 100) : '';
    this.label.textContent = this.labelText(state);
    this.setStatus(this.statusText(state));
    this.setFields(state.kind === 'solved' ? state.token : '');
    const showRetry = state.kind === 'error';
    const retryHadFocus = document.activeElement === this.retryButton;
    this.retryButton.hidden = !showRetry;
    if (showRetry && this.root.contains(document.activeElement)) this.retryButton.focus();
    else if (!showRetry && retryHadFocus) this.check.focus();
  }

  destroy(): void {
    this.root.remove();
    for (const field of this.fields) field.remove();
  }

  /**
   * The checkbox's own text follows the check, so the widget keeps its height while it runs (no layout
   * shift under the visitor's pointer); only an error or an expiry adds a line below.
   */
  private labelText(state: WidgetState): string {
    const { texts } = this.options;
    if (state.kind === 'solved') return texts.solved;
    if (state.kind === 'fetching-challenge' || state.kind === 'solving' || state.kind === 'verifying') {
      return this.statusText(state);
    }
    return texts.label;
  }

  private statusText(state: WidgetState): string {
    const { texts } = this.options;
    switch (state.kind) {
      case 'idle':
        return '';
      case 'fetching-challenge':
        return texts.fetching;
      case 'solving':
        return texts.solving;
      case 'verifying':
        return texts.verifying;
      case 'solved':
        return texts.solved;
      case 'expired':
        return texts.expired;
      case 'error':
        return texts[errorTextKey(state.code)];
    }
  }

  /** Only changes reach the live region, so screen readers hear each state once, not each progress tick. */
  private setStatus(message: string): void {
    if (message === this.lastStatus) return;
    this.lastStatus = message;
    this.status.textContent = message;
  }

  private setFields(token: string): void {
    for (const field of this.fields) field.value = token;
  }
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  element.className = className;
  return element;
}

function text<T extends HTMLElement>(element: T, content: string): T {
  element.textContent = content;
  return element;
}

function hiddenField(name: string): HTMLInputElement {
  const field = document.createElement('input');
  field.type = 'hidden';
  field.name = name;
  return field;
}
