import { describe, expect, it } from '@jest/globals';
import { errorTextKey, pickLanguage } from '../../widget/src/i18n';
import { parseLoaderUrl } from '../../widget/src/loader-url';
import { OptionsError, resolveOptions, responseFieldNames } from '../../widget/src/widget-options';

describe('resolveOptions', () => {
  it('reads data attributes (dataset names) with defaults for the rest', () => {
    const sut = resolveOptions({ sitekey: 'ppk_a', theme: 'dark', expiredCallback: 'onExpired', compat: 'hcaptcha' });

    expect(sut).toEqual({
      sitekey: 'ppk_a',
      theme: 'dark',
      size: 'normal',
      language: null,
      callback: null,
      expiredCallback: 'onExpired',
      errorCallback: null,
      action: null,
      cdata: null,
      responseFieldName: 'peerproof-response',
      compat: 'hcaptcha',
    });
    expect(responseFieldNames(sut)).toEqual(['peerproof-response', 'h-captcha-response']);
  });

  it('lets explicit options win, in either spelling of multi-word names', () => {
    const callback = () => undefined;
    const sut = resolveOptions(
      { sitekey: 'ppk_data', size: 'compact', responseFieldName: 'from-data' },
      { sitekey: 'ppk_option', 'error-callback': callback, responseFieldName: 'token', size: 'invisible' },
    );

    expect(sut).toMatchObject({ sitekey: 'ppk_option', errorCallback: callback, responseFieldName: 'token' });
    expect(sut.size).toBe('invisible');
  });

  it('falls back to defaults for unknown values instead of breaking the form', () => {
    const sut = resolveOptions({ sitekey: 'ppk_a', theme: 'purple', size: 'huge', compat: 'friendlycaptcha' });

    expect(sut).toMatchObject({ theme: 'auto', size: 'normal', compat: null });
  });

  it('refuses a widget without a sitekey', () => {
    expect(() => resolveOptions({ theme: 'dark' })).toThrow(OptionsError);
    expect(() => resolveOptions({ sitekey: '  ' })).toThrow(/sitekey is required/);
  });
});

describe('pickLanguage', () => {
  it('takes the first supported primary subtag, else English', () => {
    expect(pickLanguage(['pt-BR'])).toBe('pt');
    expect(pickLanguage([null, 'zh-Hant-TW', 'de'])).toBe('zh');
    expect(pickLanguage(['ja', 'FR_ca'])).toBe('fr');
    expect(pickLanguage(['ja', undefined])).toBe('en');
  });

  it('explains error codes by kind', () => {
    expect(errorTextKey('hostname-not-allowed')).toBe('errConfig');
    expect(errorTextKey('rate-limited')).toBe('errRate');
    expect(errorTextKey('network-error')).toBe('errNetwork');
    expect(errorTextKey('runtime-unavailable')).toBe('errBrowser');
    expect(errorTextKey('inference-mismatch')).toBe('errFailed');
  });
});

describe('parseLoaderUrl', () => {
  it('finds the service from the loader’s own URL, path prefix included', () => {
    const sut = parseLoaderUrl('https://verify.example.com/pp/widget/peerproof.js?render=explicit&onload=ready');

    expect(sut).toEqual({
      serviceBase: 'https://verify.example.com/pp/',
      workerUrl: 'https://verify.example.com/pp/widget/worker.js',
      stylesheetUrl: 'https://verify.example.com/pp/widget/peerproof.css',
      livenessUrl: 'https://verify.example.com/pp/widget/liveness.js',
      explicit: true,
      onload: 'ready',
      compat: null,
      language: null,
      recaptchaCompat: true,
    });
  });

  it("reads the anchors' parameters: compat, hl, recaptchacompat, and render=onload or a v3 sitekey", () => {
    const base = 'https://verify.example.com/widget/peerproof.js';

    expect(parseLoaderUrl(`${base}?compat=hcaptcha&hl=pt-BR&recaptchacompat=off`)).toMatchObject({
      compat: 'hcaptcha',
      language: 'pt-BR',
      recaptchaCompat: false,
      explicit: false,
    });
    expect(parseLoaderUrl(`${base}?compat=recaptcha&render=onload`).explicit).toBe(false);
    expect(parseLoaderUrl(`${base}?compat=recaptcha&render=ppk_abc`).explicit).toBe(true);
    expect(parseLoaderUrl(`${base}?compat=friendlycaptcha&hl=<b>`)).toMatchObject({ compat: null, language: null });
  });

  it('renders implicitly by default and accepts only an identifier as onload', () => {
    expect(parseLoaderUrl('http://localhost:8080/widget/peerproof.js')).toMatchObject({
      serviceBase: 'http://localhost:8080/',
      explicit: false,
      onload: null,
    });
    expect(parseLoaderUrl('http://x/widget/peerproof.js?onload=alert(1)').onload).toBeNull();
    expect(parseLoaderUrl('http://x/widget/peerproof.js?onload=window.x').onload).toBeNull();
  });
});
