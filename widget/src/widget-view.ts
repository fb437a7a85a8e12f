/**
 * The widget's DOM. Built with createElement and textContent only (never innerHTML, never a `style`
 * attribute), so it works under a CSP without 'unsafe-inline'; all looks come from peerproof.css, keyed on
 * the root's classes and `data-state`. The view renders whatever state the controller hands it.
 */
import type { LivenessHint } from '../../src/protocol/challenge-wire';
import type { Texts } from './i18n';
import { errorText } from './i18n';
import type { Size, Theme } from './widget-options';
import type { WidgetState } from './widget-state';
import { isBusy, progressPercent } from './widget-state';
import { button, el, text } from './dom';

/** A hidden form field the widget fills with the token; its id lets `getElementById` code find it. */
export interface HiddenField {
  name: string;
  id: string;
}

export interface ViewOptions {
  widgetId: string;
  theme: Theme;
  size: Size;
  language: string;
  texts: Texts;
  fields: HiddenField[];
}

export interface ViewActions {
  /** The checkbox was activated (click, Enter or Space). */
  activate(): void;
  retry(): void;
  /** "Continue without camera" after a liveness check could not run. */
  fallback(): void;
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
  private readonly footer: HTMLElement;
  private readonly hints: HTMLUListElement;
  private readonly retryButton: HTMLButtonElement;
  private readonly fallbackButton: HTMLButtonElement;
  private readonly fields: HTMLInputElement[];
  private readonly percentFormat: Intl.NumberFormat;
  private lastStatus = '';
  private lastHints = '';
  private lastKind: WidgetState['kind'] = 'idle';

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
    // Not a live region of its own: Retry gets focus after an error and reads the hints as its description.
    this.hints = el('ul', 'peerproof-hints');
    this.hints.id = `${widgetId}-hints`;
    this.hints.hidden = true;
    this.retryButton = hiddenButton('peerproof-retry', texts.retry, () => actions.retry());
    this.retryButton.setAttribute('aria-describedby', `${statusId} ${this.hints.id}`);
    this.fallbackButton = hiddenButton('peerproof-fallback', texts.liveness.fallback, () => actions.fallback());

    const main = el('div', 'peerproof-main');
    // The wordmark stays short in every language, leaving the label its room; the full phrase is its tooltip.
    const brand = text(el('span', 'peerproof-brand'), 'PeerProof');
    brand.title = texts.brand;
    main.append(this.check, this.percent, brand);
    this.footer = el('div', 'peerproof-footer');
    this.footer.append(this.status, this.hints, this.fallbackButton, this.retryButton);
    this.root.append(main, this.bar, this.footer);
    this.fields = options.fields.map(hiddenField);
    this.percentFormat = new Intl.NumberFormat(options.language, { style: 'percent' });
    container.append(this.root, ...this.fields);
  }

  render(state: WidgetState): void {
    this.root.dataset.state = state.kind;
    const busy = isBusy(state);
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
    this.setHints(state.kind === 'error' ? (state.hints ?? []) : []);
    this.renderButtons(state);
    this.lastKind = state.kind;
  }

  /** Retry (and the fallback, when offered) after an error; focus follows them so a keyboard user keeps it. */
  private renderButtons(state: WidgetState): void {
    const showRetry = state.kind === 'error';
    const hadFocus = document.activeElement === this.retryButton || document.activeElement === this.fallbackButton;
    this.retryButton.hidden = !showRetry;
    this.fallbackButton.hidden = !(state.kind === 'error' && state.fallback === true);
    this.footer.classList.toggle('peerproof-stacked', !this.fallbackButton.hidden || !this.hints.hidden);
    if (showRetry && (this.root.contains(document.activeElement) || this.overlayTookFocus())) this.retryButton.focus();
    else if (!showRetry && hadFocus) this.check.focus();
  }

  /** The liveness overlay had the focus and, closing, left it nowhere: the widget takes it back. */
  private overlayTookFocus(): boolean {
    const lost = document.activeElement === null || document.activeElement === document.body;
    return this.lastKind === 'liveness' && lost;
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
    // The overlay's instructions are too long for the checkbox; the status line carries them.
    if (state.kind === 'liveness') return texts.liveness.title;
    return isBusy(state) ? this.statusText(state) : texts.label;
  }

  private statusText(state: WidgetState): string {
    const { texts } = this.options;
    switch (state.kind) {
      case 'idle':
        return '';
      case 'fetching-challenge':
        return texts.fetching;
      case 'liveness':
        return texts.liveness.phases[state.phase];
      case 'solving':
        return texts.solving;
      case 'verifying':
        return texts.verifying;
      case 'solved':
        return texts.solved;
      case 'expired':
        return texts.expired;
      case 'error':
        return errorText(texts, state.code);
    }
  }

  /** Only changes reach the live region, so screen readers hear each state once, not each progress tick. */
  private setStatus(message: string): void {
    if (message === this.lastStatus) return;
    this.lastStatus = message;
    this.status.textContent = message;
  }

  private setHints(hints: readonly LivenessHint[]): void {
    const key = hints.join(' ');
    if (key === this.lastHints) return;
    this.lastHints = key;
    const texts = this.options.texts.liveness.hints;
    const items = hints.map((hint) => text(el('li', 'peerproof-hint'), texts[hint]));
    this.hints.replaceChildren(...items);
    this.hints.hidden = items.length === 0;
  }

  private setFields(token: string): void {
    for (const field of this.fields) field.value = token;
  }
}

function hiddenButton(className: string, label: string, onClick: () => void): HTMLButtonElement {
  const element = button(className, label, onClick);
  element.hidden = true;
  return element;
}

function hiddenField({ name, id }: HiddenField): HTMLInputElement {
  const field = document.createElement('input');
  field.type = 'hidden';
  field.name = name;
  field.id = id;
  return field;
}
