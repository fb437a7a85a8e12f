/**
 * The liveness overlay: a full-viewport host element in document.body with an open shadow root. The host's
 * data attributes mirror what the visitor is shown (liveness-contract.ts), so sites and tests can follow it.
 * Built with createElement and textContent only; styles come from an adopted constructed stylesheet.
 */
import type { LivenessHint } from '../../../src/protocol/challenge-wire';
import type { PromptAction } from '../../../src/protocol/liveness-plan';
import type { GuidanceHint, LivenessTexts, LivenessVerdictTexts } from '../liveness-contract';
import { OVERLAY_CSS } from './overlay-styles';
import { button, el, text } from '../dom';

export type OverlayPhase = 'intro' | 'camera' | 'guidance' | 'script' | 'retry' | 'done';

export class LivenessOverlay {
  readonly host: HTMLElement;
  readonly video: HTMLVideoElement;
  private readonly flash: HTMLElement;
  private readonly intro: HTMLElement;
  private readonly stage: HTMLElement;
  private readonly recording: HTMLElement;
  private readonly status: HTMLElement;
  private readonly prompt: HTMLElement;
  private readonly startButton: HTMLButtonElement;
  private readonly cancelButton: HTMLButtonElement;
  private readonly verdict: HTMLElement;
  private lastStatus = '';

  constructor(
    private readonly texts: LivenessTexts,
    language: string,
    actions: { start(): void; cancel(): void },
  ) {
    this.host = document.createElement('div');
    this.host.setAttribute('data-peerproof-liveness', '');
    this.host.lang = language;
    const root = this.host.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [overlaySheet()];

    this.flash = el('div', 'flash');
    this.flash.setAttribute('aria-hidden', 'true');
    const panel = el('div', 'panel');
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-modal', 'true');
    panel.setAttribute('aria-labelledby', 'peerproof-liveness-title');
    const title = text(el('h2', 'title'), texts.title);
    title.id = 'peerproof-liveness-title';

    this.startButton = actionButton('start', texts.start, actions.start);
    this.intro = el('div', 'intro');
    this.intro.append(text(el('p', 'intro-text'), texts.intro), this.startButton);

    this.stage = el('div', 'stage');
    this.video = document.createElement('video');
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.setAttribute('aria-hidden', 'true');
    this.stage.append(this.video);
    this.recording = text(el('p', 'recording'), texts.recording);
    this.status = el('p', 'status');
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    this.prompt = el('p', 'prompt');
    this.prompt.setAttribute('aria-live', 'assertive');

    this.verdict = el('div', 'verdict');
    this.verdict.hidden = true;
    panel.append(title, this.intro, this.stage, this.recording, this.prompt, this.status, this.verdict);
    this.cancelButton = actionButton('cancel', texts.cancel, actions.cancel);
    panel.append(this.cancelButton);
    panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') actions.cancel();
    });
    root.append(this.flash, panel);
    document.body.append(this.host);
    this.setPhase('intro');
    this.startButton.focus();
  }

  setPhase(phase: OverlayPhase): void {
    this.host.dataset.phase = phase;
    // The start button is about to disappear: keep the keyboard focus in the dialog, on Cancel.
    if (phase !== 'intro' && !this.intro.hidden) this.cancelButton.focus();
    this.intro.hidden = phase !== 'intro';
    this.stage.hidden = phase === 'intro' || phase === 'done';
    this.recording.hidden = phase === 'intro' || phase === 'done';
    if (phase !== 'retry') this.verdict.hidden = true;
    if (phase === 'camera') this.setStatus(this.texts.preparing);
    if (phase !== 'script') this.showStep(null);
  }

  /**
   * A failed attempt: the loader's texts with the service's hints, and Retry, which resolves the promise
   * (a new attempt). Cancel stays, as in every phase.
   */
  offerRetry(texts: LivenessVerdictTexts, hints: readonly LivenessHint[]): Promise<void> {
    this.setPhase('retry');
    this.setStatus('');
    return new Promise((resolve) => {
      const list = el('ul', 'hints');
      for (const hint of hints) list.append(text(el('li', 'hint'), texts.hints[hint]));
      const retry = actionButton('retry', texts.retry, () => resolve());
      this.verdict.replaceChildren(text(el('p', 'failed'), texts.failed), list, retry);
      this.verdict.hidden = false;
      retry.focus();
    });
  }

  /** Which revealed step is playing (null: none, e.g. while its frames are checked). */
  showStep(kind: 'rest' | 'prompt' | 'flashes' | null): void {
    if (kind) this.host.dataset.step = kind;
    else delete this.host.dataset.step;
    if (kind !== 'prompt') this.showPrompt(null, kind === 'flashes');
    if (kind === 'rest') this.setLine(this.texts.rest);
    if (kind !== 'flashes') this.showFlash(null);
  }

  /** During a step: what is wrong with the face (null: nothing), from the landmarker only. */
  showStepGuidance(hint: GuidanceHint | null): void {
    this.setStatus(hint ? this.texts.guidance[hint] : '');
  }

  showGuidance(hint: GuidanceHint): void {
    this.setStatus(this.texts.guidance[hint]);
  }

  /** The prompt on screen (null: none), or, while the colours flash, the hold-still line. */
  showPrompt(action: PromptAction | null, holdStill = false): void {
    if (action) this.host.dataset.prompt = action;
    else delete this.host.dataset.prompt;
    this.setLine(action ? this.texts.prompts[action] : holdStill ? this.texts.holdStill : '');
  }

  private setLine(line: string): void {
    if (this.prompt.textContent !== line) this.prompt.textContent = line;
  }

  /** Lights the full-viewport flash layer in `rgb`, or returns it to the dark background. */
  showFlash(rgb: readonly [number, number, number] | null): void {
    const value = rgb ? rgb.join(',') : null;
    if ((this.host.dataset.flash ?? null) === value) return;
    if (value) {
      this.host.dataset.flash = value;
      // CSSOM, not a style attribute: CSP governs the latter, not this.
      this.flash.style.backgroundColor = `rgb(${value})`;
    } else {
      delete this.host.dataset.flash;
      this.flash.style.backgroundColor = '';
    }
  }

  remove(): void {
    this.video.srcObject = null;
    this.host.remove();
  }

  private setStatus(line: string): void {
    if (line === this.lastStatus) return;
    this.lastStatus = line;
    this.status.textContent = line;
  }
}

let sheet: CSSStyleSheet | null = null;

function overlaySheet(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(OVERLAY_CSS);
  }
  return sheet;
}

function actionButton(action: string, label: string, onClick: () => void): HTMLButtonElement {
  const element = button(action, label, onClick);
  element.dataset.action = action;
  return element;
}
