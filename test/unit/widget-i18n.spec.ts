import { describe, expect, it } from '@jest/globals';
import { LIVENESS_HINTS } from '../../src/protocol/challenge-wire';
import { EXPRESSIONS, MOVEMENTS } from '../../src/protocol/liveness-plan';
import { LANGUAGES, errorText, textsFor } from '../../widget/src/i18n';
import { CAPTURE_ERROR_CODES } from '../../widget/src/liveness-contract';
import { OVERLAY_TEXTS, overlayTextsFor } from '../../widget/src/liveness/overlay-texts';
import type { GuidanceHint } from '../../widget/src/liveness-contract';
import { LIVENESS_PHASES } from '../../widget/src/widget-state';

/** Every string of a text table with its path (`liveness.overlay.prompts.blink`), nested tables included. */
function leaves(value: unknown, path = ''): [string, unknown][] {
  if (typeof value !== 'object' || value === null) return [[path, value]];
  return Object.entries(value).flatMap(([key, inner]) => leaves(inner, path ? `${path}.${key}` : key));
}

const GUIDANCE_HINTS: GuidanceHint[] = [
  'no-face',
  'several-faces',
  'too-far',
  'too-close',
  'off-centre',
  'too-dark',
  'ok',
];

describe('widget texts', () => {
  it.each(LANGUAGES)('has every text of English in %s, none of them empty', (language) => {
    const english = leaves(textsFor('en')).map(([path]) => path);
    const sut = leaves(textsFor(language));

    expect(sut.map(([path]) => path)).toEqual(english);
    const empty = sut.filter(([, value]) => typeof value !== 'string' || value.trim() === '');
    expect(empty).toEqual([]);
  });

  it.each(LANGUAGES)('has every overlay text of English in %s, none of them empty', (language) => {
    const english = leaves(OVERLAY_TEXTS.en).map(([path]) => path);
    const sut = leaves(OVERLAY_TEXTS[language]);

    expect(sut.map(([path]) => path)).toEqual(english);
    expect(sut.filter(([, value]) => typeof value !== 'string' || value.trim() === '')).toEqual([]);
  });

  it('shows the overlay in English for a language the chunk has no table for', () => {
    expect(overlayTextsFor('de')).toBe(OVERLAY_TEXTS.de);
    expect(overlayTextsFor('xx')).toBe(OVERLAY_TEXTS.en);
    expect(overlayTextsFor('constructor')).toBe(OVERLAY_TEXTS.en);
  });

  it('has a text for every phase, guidance hint, prompt, capture error and service hint the liveness check knows', () => {
    const { liveness } = textsFor('en');
    const overlay = OVERLAY_TEXTS.en;

    expect(Object.keys(liveness.phases).sort()).toEqual([...LIVENESS_PHASES].sort());
    expect(Object.keys(overlay.guidance).sort()).toEqual([...GUIDANCE_HINTS].sort());
    expect(Object.keys(overlay.prompts).sort()).toEqual([...MOVEMENTS, ...EXPRESSIONS].sort());
    expect(Object.keys(liveness.captureErrors).sort()).toEqual([...CAPTURE_ERROR_CODES].sort());
    expect(Object.keys(liveness.hints).sort()).toEqual([...LIVENESS_HINTS].sort());
  });

  it.each(LANGUAGES)('tells apart every liveness error in %s', (language) => {
    const texts = textsFor(language);
    const codes = [...CAPTURE_ERROR_CODES, 'liveness-failed', 'liveness-unavailable'];
    const messages = codes.map((code) => errorText(texts, code));

    expect(new Set(messages).size).toBe(codes.length);
    expect(messages).not.toContain(texts.errFailed);
    expect(errorText(texts, 'camera-denied')).toBe(texts.liveness.captureErrors['camera-denied']);
    expect(errorText(texts, 'rate-limited')).toBe(texts.errRate);
    expect(errorText(texts, 'inference-mismatch')).toBe(texts.errFailed);
  });

  it('warns of the flashing screen before the camera starts, in English', () => {
    expect(OVERLAY_TEXTS.en.intro).toMatch(/flash/);
  });
});
