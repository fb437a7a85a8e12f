import { describe, expect, it } from '@jest/globals';
import { ANCHORS, anchorFieldNames, anchorRenderOptions, runsOnRender } from '../../widget/src/compat/anchor-options';
import { resolveOptions } from '../../widget/src/widget-options';

describe('anchorRenderOptions', () => {
  it("takes reCAPTCHA's render parameters, its light default theme and the loader's hl", () => {
    const callback = () => undefined;
    const params = { sitekey: 'ppk_a', callback, 'expired-callback': 'onExpired', size: 'compact', tabindex: 3 };

    const sut = resolveOptions({}, anchorRenderOptions(ANCHORS.recaptcha, params, {}, 'de'));

    expect(sut).toMatchObject({
      sitekey: 'ppk_a',
      theme: 'light',
      size: 'compact',
      language: 'de',
      callback,
      expiredCallback: 'onExpired',
    });
  });

  it('lets data-* attributes speak where the parameters are silent, and parameters win otherwise', () => {
    const dataset = { sitekey: 'ppk_data', theme: 'dark', callback: 'onData', hl: 'fr', action: 'login' };

    const fromData = resolveOptions(dataset, anchorRenderOptions(ANCHORS.hcaptcha, {}, dataset, null));
    const overridden = resolveOptions(
      dataset,
      anchorRenderOptions(ANCHORS.hcaptcha, { sitekey: 'ppk_param', theme: 'light', hl: 'es' }, dataset, null),
    );

    expect(fromData).toMatchObject({
      sitekey: 'ppk_data',
      theme: 'dark',
      callback: 'onData',
      language: 'fr',
      action: 'login',
    });
    expect(overridden).toMatchObject({ sitekey: 'ppk_param', theme: 'light', language: 'es' });
  });

  it("maps Turnstile's cData, language and auto theme, and falls back from its flexible size", () => {
    const sut = resolveOptions(
      {},
      anchorRenderOptions(
        ANCHORS.turnstile,
        { sitekey: 'ppk_t', cData: 'c-1', language: 'zh', size: 'flexible' },
        {},
        null,
      ),
    );

    expect(sut).toMatchObject({ sitekey: 'ppk_t', cdata: 'c-1', language: 'zh', theme: 'auto', size: 'normal' });
  });
});

describe('anchorFieldNames', () => {
  it("fills each anchor's own field; hCaptcha also reCAPTCHA's unless recaptchacompat=off", () => {
    expect(anchorFieldNames(ANCHORS.recaptcha, {}, {}, true)).toEqual(['g-recaptcha-response']);
    expect(anchorFieldNames(ANCHORS.hcaptcha, {}, {}, true)).toEqual(['h-captcha-response', 'g-recaptcha-response']);
    expect(anchorFieldNames(ANCHORS.hcaptcha, {}, {}, false)).toEqual(['h-captcha-response']);
    expect(anchorFieldNames(ANCHORS.turnstile, {}, {}, true)).toEqual(['cf-turnstile-response']);
  });

  it("renames or leaves out Turnstile's field as its response-field options say", () => {
    expect(anchorFieldNames(ANCHORS.turnstile, { 'response-field-name': 'token' }, {}, true)).toEqual(['token']);
    expect(anchorFieldNames(ANCHORS.turnstile, {}, { responseFieldName: 'from-data' }, true)).toEqual(['from-data']);
    expect(anchorFieldNames(ANCHORS.turnstile, { 'response-field': false }, {}, true)).toEqual([]);
    expect(anchorFieldNames(ANCHORS.turnstile, {}, { responseField: 'false' }, true)).toEqual([]);
  });
});

describe('runsOnRender', () => {
  it('runs Turnstile on render unless its execution is deferred, and never reCAPTCHA or hCaptcha', () => {
    expect(runsOnRender(ANCHORS.turnstile, {}, {})).toBe(true);
    expect(runsOnRender(ANCHORS.turnstile, { execution: 'execute' }, {})).toBe(false);
    expect(runsOnRender(ANCHORS.turnstile, {}, { execution: 'execute' })).toBe(false);
    expect(runsOnRender(ANCHORS.recaptcha, {}, {})).toBe(false);
    expect(runsOnRender(ANCHORS.hcaptcha, {}, {})).toBe(false);
  });
});
