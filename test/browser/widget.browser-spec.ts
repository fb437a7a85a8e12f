import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { DUMMY_TOKEN, TEST_SITEKEYS } from '../../src/protocol/keys';
import type { SiteWithSecretDto } from '../../src/sites/sites.dto';
import { DemoSiteService } from '../../src/sites/demo-site.service';
import type { PageProblems, SiteverifyResult } from '../support/browser';
import {
  PageServer,
  browserTestsEnabled,
  launchChromium,
  openPage,
  redeem,
  requireBuiltWidget,
  saveArtifact,
  siteverifyHandler,
  startWidgetService,
} from '../support/browser';
import { createSite } from '../support/fixtures';
import type { TestApp } from '../support/test-app';

/**
 * The widget in a real Chromium: the service on 127.0.0.1, the embedding site on http://localhost (another
 * origin, as in production), real challenges solved by onnxruntime-web in the widget's Web Worker.
 */

const describeBrowser = browserTestsEnabled() ? describe : describe.skip;

/** A solve of an `easy` challenge (64 inferences) in WebAssembly, with onnxruntime's first load. */
const SOLVE_TIMEOUT_MS = 60_000;

interface WidgetEventRecord {
  type: string;
  widgetId: string;
  state?: string;
  done?: number;
  count?: number;
  token?: string;
  code?: string;
}

/** The first `Content-Security-Policy:` example in docs/widget.md (the cross-origin one), as one header value. */
function documentedCsp(): string {
  const docs = fs.readFileSync(path.resolve('docs/widget.md'), 'utf8');
  const block = /```\nContent-Security-Policy:([^`]*)```/.exec(docs);
  if (!block) throw new Error('docs/widget.md has no ``` Content-Security-Policy: ``` example any more');
  return block[1].replace(/\s*\n\s*/g, ' ').trim();
}

interface Opened {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
}

describeBrowser('widget in Chromium', () => {
  let browser: Browser;
  let t: TestApp;
  let site: SiteWithSecretDto;
  let pages: PageServer;
  let loaderUrl: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [browser, t, pages] = await Promise.all([
      launchChromium(),
      startWidgetService({ DEMO_SITE: 'true' }),
      PageServer.start(),
    ]);
    site = await createSite(t, { name: 'Browser tests', hostnames: ['localhost'], difficulty: 'easy' });
    loaderUrl = await requireBuiltWidget(t, 'peerproof.js');
    // The site's own script (no inline code anywhere): global callbacks that data-* attributes name.
    pages.script(
      '/callbacks.js',
      `window.calls = [];
window.onPassed = function (token) { window.calls.push(['callback', token]); };
window.onExpired = function () { window.calls.push(['expired']); };
window.onFailed = function (code) { window.calls.push(['error', code]); };`,
    );
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await t?.close();
  });

  beforeEach(() => {
    // The test service's clock only moves when told: step past the one-minute window of the per-IP
    // challenge counter, so that every test gets the site's base difficulty however many ran before.
    t.clock.advance(61_000);
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  /** A fresh browser context (own cache and storage) that records the widget's DOM events. */
  async function open(options: BrowserContextOptions = {}): Promise<Opened> {
    const opened = await openPage(browser, options);
    contexts.push(opened.context);
    await opened.context.addInitScript(() => {
      const events: unknown[] = [];
      Object.defineProperty(window, '__widgetEvents', { value: events });
      for (const type of ['peerproof:state', 'peerproof:solved', 'peerproof:error', 'peerproof:expired']) {
        document.addEventListener(type, (event) => events.push({ type, ...(event as CustomEvent).detail }));
      }
    });
    return opened;
  }

  /** What the callbacks of /callbacks.js (or a page's own) recorded, in order. */
  function callbackCalls(page: Page): Promise<unknown[][]> {
    return page.evaluate(() => (window as unknown as { calls: unknown[][] }).calls.slice());
  }

  function widgetEvents(page: Page): Promise<WidgetEventRecord[]> {
    return page.evaluate(() => (window as unknown as { __widgetEvents: WidgetEventRecord[] }).__widgetEvents.slice());
  }

  /** Waits until the widget reaches `state` (or fails), and says which error code it failed with. */
  async function waitForState(page: Page, state: string, root = '.peerproof-widget'): Promise<void> {
    const handle = await page.waitForFunction(
      ([selector, wanted]) => {
        const current = document.querySelector(selector)?.getAttribute('data-state');
        return current === wanted || current === 'error' ? current : false;
      },
      [root, state] as const,
      { timeout: SOLVE_TIMEOUT_MS, polling: 50 },
    );
    const reached = await handle.jsonValue();
    const errors = (await widgetEvents(page)).filter((event) => event.type === 'peerproof:error');
    expect({ reached, errors: reached === state ? [] : errors }).toEqual({ reached: state, errors: [] });
  }

  function fieldValue(page: Page, name: string): Promise<string | null> {
    return page.evaluate(
      (field) => document.querySelector<HTMLInputElement>(`input[name="${field}"]`)?.value ?? null,
      name,
    );
  }

  /** Submits the page's form to the page server and returns what its siteverify-calling handler answered. */
  async function submitForm(page: Page, action: () => Promise<void>): Promise<SignupAnswer> {
    const [response] = await Promise.all([
      page.waitForResponse(
        (candidate) => candidate.url() === pages.url('/signup') && candidate.request().method() === 'POST',
      ),
      action(),
    ]);
    return (await response.json()) as SignupAnswer;
  }

  interface SignupAnswer {
    fields: Record<string, string>;
    verdict: SiteverifyResult;
  }

  /** The page's own /favicon.ico request is the browser's, not the widget's: its 404 does not count. */
  const consoleErrorsOf = (problems: PageProblems) =>
    problems.consoleErrors.filter((line) => !line.includes('/favicon.ico'));

  async function expectNoProblems(problems: PageProblems): Promise<void> {
    expect({
      console: consoleErrorsOf(problems),
      errors: problems.pageErrors,
      blocked: problems.blockedRequests,
      csp: problems.cspViolations,
    }).toEqual({ console: [], errors: [], blocked: [], csp: [] });
  }

  function signupPage(widget: string, head = ''): string {
    return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign up</title>${head}
<script src="/callbacks.js"></script>
<script src="${loaderUrl}" async defer></script></head>
<body>
<form action="/signup" method="post">
  <label>Email <input name="email" type="email" value="visitor@example.com"></label>
  ${widget}
  <button type="submit">Sign up</button>
</form>
</body>
</html>`;
  }

  it('renders implicitly, solves a real challenge in the worker, and the form verifies at siteverify', async () => {
    pages.html(
      '/implicit',
      signupPage(
        `<div class="peerproof" data-sitekey="${site.sitekey}" data-action="signup" data-cdata="visit-7"></div>`,
      ),
    );
    pages.route('/signup', siteverifyHandler(t.baseUrl, site.secret));
    const { page, problems } = await open();
    await page.goto(pages.url('/implicit'));

    const check = page.locator('form .peerproof .peerproof-check');
    await check.waitFor({ state: 'visible' });
    expect(await check.getAttribute('role')).toBe('checkbox');
    expect(await check.getAttribute('aria-checked')).toBe('false');
    expect(await fieldValue(page, 'peerproof-response')).toBe('');
    const workerStarted = page.waitForEvent('worker');
    await check.click();
    await workerStarted;
    await waitForState(page, 'solved');

    expect(await check.getAttribute('aria-checked')).toBe('true');
    const token = await fieldValue(page, 'peerproof-response');
    expect(token).toMatch(/^ppt_/);
    const stateEvents = (await widgetEvents(page)).filter((event) => event.type === 'peerproof:state');
    const states = stateEvents.map((event) => event.state).filter((state, i, all) => state !== all[i - 1]);
    expect(states).toEqual(['fetching-challenge', 'solving', 'verifying', 'solved']);
    // Progress is reported from the worker as it goes, up to all 64 inferences of an easy challenge.
    const progress = stateEvents.filter((event) => event.state === 'solving');
    expect(progress.every((event) => event.count === 64)).toBe(true);
    expect(progress.map((event) => event.done)).toEqual(
      [...progress.map((event) => event.done)].sort((a, b) => a! - b!),
    );
    expect(progress.at(-1)?.done).toBe(64);

    const answer = await submitForm(page, () => page.click('button[type="submit"]'));
    expect(answer.fields['peerproof-response']).toBe(token);
    expect(answer.fields.email).toBe('visitor@example.com');
    expect(answer.verdict).toMatchObject({
      success: true,
      hostname: 'localhost',
      action: 'signup',
      cdata: 'visit-7',
      level: 'compute',
      'error-codes': [],
    });
    await expectNoProblems(problems);
  });

  it('rejects a replayed token: the second redemption gets timeout-or-duplicate', async () => {
    pages.html('/replay', signupPage(`<div class="peerproof" data-sitekey="${site.sitekey}"></div>`));
    pages.route('/signup', siteverifyHandler(t.baseUrl, site.secret));
    const { page } = await open();
    await page.goto(pages.url('/replay'));
    await page.click('.peerproof-check');
    await waitForState(page, 'solved');

    const first = await submitForm(page, () => page.click('button[type="submit"]'));
    const replay = await redeem(t.baseUrl, site.secret, first.fields['peerproof-response']);

    expect(first.verdict.success).toBe(true);
    expect(replay).toMatchObject({ success: false, 'error-codes': ['timeout-or-duplicate', 'already-seen-response'] });
  });

  it('renders explicitly with ?render=explicit&onload, and render/getResponse/reset/remove work', async () => {
    pages.script(
      '/explicit.js',
      `window.calls = [];
window.onLoaded = function () {
  window.widgetId = peerproof.render('#box', {
    sitekey: ${JSON.stringify(site.sitekey)},
    theme: 'dark',
    callback: function (token) { window.calls.push(['callback', token]); },
    'expired-callback': function () { window.calls.push(['expired']); },
    errorCallback: function (code) { window.calls.push(['error', code]); },
  });
};`,
    );
    pages.html(
      '/explicit',
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Explicit</title>
<script src="/explicit.js"></script>
<script src="${loaderUrl}?render=explicit&onload=onLoaded" async defer></script></head>
<body><form action="/signup" method="post">
<div id="box"></div>
<div class="peerproof" id="not-rendered" data-sitekey="${site.sitekey}"></div>
<button type="submit">Sign up</button></form></body></html>`,
    );
    const { page, problems } = await open();
    await page.goto(pages.url('/explicit'));

    const rendered = await page.waitForFunction(() => (window as unknown as { widgetId?: string }).widgetId);
    const id = (await rendered.jsonValue()) as string;
    expect(id).toMatch(/\S/);
    // Explicit mode renders nothing on its own: the implicit-looking element stays empty.
    expect(await page.locator('#not-rendered').innerHTML()).toBe('');
    expect(await page.locator('#box .peerproof-widget').getAttribute('class')).toContain('peerproof-theme-dark');
    // Rendering the same element again returns the same widget.
    expect(await page.evaluate(() => window.peerproof!.render('#box'))).toBe(id);

    await page.click('#box .peerproof-check');
    await waitForState(page, 'solved', '#box .peerproof-widget');
    const calls = await callbackCalls(page);
    expect(calls).toEqual([['callback', expect.stringMatching(/^ppt_/)]]);
    const token = calls[0][1] as string;
    expect(await page.evaluate((widget) => window.peerproof!.getResponse(widget), id)).toBe(token);
    expect(await page.evaluate(() => window.peerproof!.getResponse())).toBe(token);
    expect(await fieldValue(page, 'peerproof-response')).toBe(token);

    await page.evaluate((widget) => window.peerproof!.reset(widget), id);
    expect(await page.evaluate((widget) => window.peerproof!.getResponse(widget), id)).toBe('');
    expect(await fieldValue(page, 'peerproof-response')).toBe('');
    expect(await page.locator('#box .peerproof-widget').getAttribute('data-state')).toBe('idle');
    expect(await page.locator('#box .peerproof-check').getAttribute('aria-checked')).toBe('false');

    await page.evaluate((widget) => window.peerproof!.remove(widget), id);
    expect(await page.locator('#box').innerHTML()).toBe('');
    expect(await page.locator('input[name="peerproof-response"]').count()).toBe(0);
    expect(await page.evaluate((widget) => window.peerproof!.getResponse(widget), id)).toBe('');
    await expectNoProblems(problems);
  });

  it('runs an invisible widget with execute(), which resolves with a redeemable token', async () => {
    pages.html(
      '/invisible',
      signupPage(
        `<div class="peerproof" data-sitekey="${site.sitekey}" data-size="invisible" data-callback="onPassed"></div>`,
      ),
    );
    const { page, problems } = await open();
    await page.goto(pages.url('/invisible'));
    await page.waitForSelector('.peerproof-widget', { state: 'attached' });
    // Nothing to click: the checkbox is not shown.
    expect(await page.locator('.peerproof-check').isVisible()).toBe(false);
    expect(await fieldValue(page, 'peerproof-response')).toBe('');

    const token = await page.evaluate(() => window.peerproof!.execute());

    expect(token).toMatch(/^ppt_/);
    expect(await callbackCalls(page)).toEqual([['callback', token]]);
    expect(await fieldValue(page, 'peerproof-response')).toBe(token);
    expect(await page.evaluate(() => window.peerproof!.execute())).toBe(token);
    expect(await redeem(t.baseUrl, site.secret, token)).toMatchObject({ success: true, hostname: 'localhost' });
    await expectNoProblems(problems);
  });

  it.each([
    ['recaptcha', 'g-recaptcha-response'],
    ['hcaptcha', 'h-captcha-response'],
    ['turnstile', 'cf-turnstile-response'],
  ])('compat=%s also fills %s with the token', async (compat, field) => {
    pages.html(
      `/compat-${compat}`,
      signupPage(`<div class="peerproof" data-sitekey="${TEST_SITEKEYS.alwaysPass}" data-compat="${compat}"></div>`),
    );
    pages.route('/signup', ({ form }) => ({
      contentType: 'application/json',
      body: JSON.stringify({ fields: Object.fromEntries(form), verdict: {} }),
    }));
    const { page, problems } = await open();
    await page.goto(pages.url(`/compat-${compat}`));
    await page.click('.peerproof-check');
    await waitForState(page, 'solved');

    const answer = await submitForm(page, () => page.click('button[type="submit"]'));
    expect(answer.fields).toEqual({
      email: 'visitor@example.com',
      'peerproof-response': DUMMY_TOKEN,
      [field]: DUMMY_TOKEN,
    });
    await expectNoProblems(problems);
  });

  it('fills the compat field with a real token that siteverify accepts (turnstile)', async () => {
    pages.html(
      '/compat-real',
      signupPage(`<div class="peerproof" data-sitekey="${site.sitekey}" data-compat="turnstile"></div>`),
    );
    pages.route('/signup', siteverifyHandler(t.baseUrl, site.secret, 'cf-turnstile-response'));
    const { page } = await open();
    await page.goto(pages.url('/compat-real'));
    await page.click('.peerproof-check');
    await waitForState(page, 'solved');

    const answer = await submitForm(page, () => page.click('button[type="submit"]'));
    expect(answer.fields['cf-turnstile-response']).toBe(answer.fields['peerproof-response']);
    expect(answer.verdict).toMatchObject({ success: true, hostname: 'localhost' });
  });

  it('resets itself and calls expired-callback when the token expires', async () => {
    pages.html(
      '/expiry',
      signupPage(
        `<div class="peerproof" data-sitekey="${site.sitekey}" data-callback="onPassed" data-expired-callback="onExpired"></div>`,
      ),
    );
    const { page, problems } = await open();
    // The page's clock runs normally but can be moved forward, so the token's lifetime passes at once.
    await page.clock.install();
    await page.goto(pages.url('/expiry'));
    const clickedAt = await page.evaluate(() => Date.now());
    await page.click('.peerproof-check');
    await waitForState(page, 'solved');
    const token = await fieldValue(page, 'peerproof-response');
    expect(token).toMatch(/^ppt_/);
    // The service's test clock stands still, so the token's lifetime counts from the challenge, before the
    // solve: whatever the solve took (seconds on a slow browser) is already spent.
    const solveMs = (await page.evaluate(() => Date.now())) - clickedAt;

    await page.clock.fastForward((t.config.tokens.ttlSeconds - 5) * 1000 - solveMs);
    expect(await page.locator('.peerproof-widget').getAttribute('data-state')).toBe('solved');
    await page.clock.fastForward(6_000);
    await waitForState(page, 'expired');

    expect(await callbackCalls(page)).toEqual([['callback', token], ['expired']]);
    expect(await fieldValue(page, 'peerproof-response')).toBe('');
    expect(await page.evaluate(() => window.peerproof!.getResponse())).toBe('');
    expect(await page.locator('.peerproof-check').getAttribute('aria-checked')).toBe('false');
    expect(await page.locator('.peerproof-status').textContent()).toBe('Verification expired. Verify again.');

    // A click starts again and earns a new token.
    await page.click('.peerproof-check');
    await waitForState(page, 'solved');
    const second = await fieldValue(page, 'peerproof-response');
    expect(second).toMatch(/^ppt_/);
    expect(second).not.toBe(token);
    await expectNoProblems(problems);
  });

  it('works end to end under the strict CSP the docs give (no unsafe-eval, no unsafe-inline), without violations', async () => {
    // Exactly the cross-origin policy docs/widget.md tells integrators to use, tightened further.
    const csp = [
      documentedCsp().replaceAll('https://verify.example.com', t.baseUrl),
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ].join('; ');
    expect(csp).not.toMatch(/'unsafe-eval'|'unsafe-inline'/);
    pages.html(
      '/csp',
      signupPage(
        `<div class="peerproof" data-sitekey="${site.sitekey}" data-callback="onPassed"></div>`,
        // The control: an inline script the policy must block, so the test knows the policy is enforced.
        '<script>window.inlineRan = true;</script>',
      ),
      { 'Content-Security-Policy': csp },
    );
    pages.route('/signup', siteverifyHandler(t.baseUrl, site.secret));
    const { page, problems } = await open();
    await page.goto(pages.url('/csp'));
    // The site's own script ran ('self'), the inline one did not.
    expect(await page.evaluate(() => ({ page: 'onPassed' in window, inline: 'inlineRan' in window }))).toEqual({
      page: true,
      inline: false,
    });

    await page.click('.peerproof-check');
    await waitForState(page, 'solved');
    const token = await fieldValue(page, 'peerproof-response');
    expect(await callbackCalls(page)).toEqual([['callback', token]]);
    // Styled by the linked stylesheet (a blocked sheet would leave the widget unstyled).
    expect(await page.locator('.peerproof-widget').evaluate((root) => getComputedStyle(root).width)).toBe('300px');
    const answer = await submitForm(page, () => page.click('button[type="submit"]'));
    expect(answer.verdict).toMatchObject({ success: true, hostname: 'localhost' });

    const violations = problems.cspViolations;
    expect(violations).toEqual([expect.objectContaining({ directive: 'script-src-elem', blockedURI: 'inline' })]);
    const otherConsoleErrors = consoleErrorsOf(problems).filter((line) => !/inline script/.test(line));
    expect({ console: otherConsoleErrors, errors: problems.pageErrors, blocked: problems.blockedRequests }).toEqual({
      console: [],
      errors: [],
      blocked: [],
    });
  });

  it('can be completed with the keyboard alone', async () => {
    pages.html('/keyboard', signupPage(`<div class="peerproof" data-sitekey="${site.sitekey}"></div>`));
    pages.route('/signup', siteverifyHandler(t.baseUrl, site.secret));
    const { page, problems } = await open();
    await page.goto(pages.url('/keyboard'));
    await page.locator('.peerproof-check').waitFor({ state: 'visible' });

    await page.keyboard.press('Tab'); // the email field
    await page.keyboard.press('Tab'); // the widget
    const focused = await page.evaluate(() => {
      const active = document.activeElement as HTMLElement;
      return {
        role: active.getAttribute('role'),
        inWidget: !!active.closest('.peerproof-widget'),
        focusVisible: active.matches(':focus-visible'),
        outline: getComputedStyle(active).outlineStyle,
      };
    });
    expect(focused).toEqual({ role: 'checkbox', inWidget: true, focusVisible: true, outline: 'solid' });
    await page.keyboard.press('Space');
    await waitForState(page, 'solved');
    expect(await page.locator('.peerproof-status').textContent()).toBe('Verified');

    await page.keyboard.press('Tab'); // the submit button
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Sign up');
    const answer = await submitForm(page, () => page.keyboard.press('Enter'));
    expect(answer.verdict).toMatchObject({ success: true, hostname: 'localhost' });
    await expectNoProblems(problems);
  });

  it('starts on Enter too', async () => {
    pages.html('/enter', signupPage(`<div class="peerproof" data-sitekey="${TEST_SITEKEYS.alwaysPass}"></div>`));
    const { page } = await open();
    await page.goto(pages.url('/enter'));
    await page.locator('.peerproof-check').focus();
    await page.keyboard.press('Enter');
    await waitForState(page, 'solved');
    expect(await fieldValue(page, 'peerproof-response')).toBe(DUMMY_TOKEN);
  });

  it('passes at once with the dummy token for ppk_test_always_pass', async () => {
    pages.html(
      '/always-pass',
      signupPage(
        `<div class="peerproof" data-sitekey="${TEST_SITEKEYS.alwaysPass}" data-callback="onPassed" data-error-callback="onFailed"></div>`,
      ),
    );
    const { page, problems } = await open();
    await page.goto(pages.url('/always-pass'));
    await page.click('.peerproof-check');
    await waitForState(page, 'solved');

    expect(await callbackCalls(page)).toEqual([['callback', DUMMY_TOKEN]]);
    expect(await fieldValue(page, 'peerproof-response')).toBe(DUMMY_TOKEN);
    // No work was asked for: straight from fetching the challenge to solved.
    const states = (await widgetEvents(page)).filter((e) => e.type === 'peerproof:state').map((e) => e.state);
    expect(states).toEqual(['fetching-challenge', 'solved']);
    await expectNoProblems(problems);
  });

  it('fails with an error callback, a visible message and a focused Retry for ppk_test_always_fail', async () => {
    pages.html(
      '/always-fail',
      signupPage(
        `<div class="peerproof" data-sitekey="${TEST_SITEKEYS.alwaysFail}" data-callback="onPassed" data-error-callback="onFailed"></div>`,
      ),
    );
    const { page, problems } = await open();
    await page.goto(pages.url('/always-fail'));
    await page.click('.peerproof-check');
    await page.waitForSelector('.peerproof-widget[data-state="error"]');

    expect(await callbackCalls(page)).toEqual([['error', 'test-sitekey-fails']]);
    const status = page.locator('.peerproof-status[role="status"]');
    expect(await status.isVisible()).toBe(true);
    expect(await status.textContent()).toBe('Verification failed. Please try again.');
    const retry = page.locator('.peerproof-retry');
    expect(await retry.isVisible()).toBe(true);
    expect(await retry.evaluate((button) => document.activeElement === button)).toBe(true);
    expect(await fieldValue(page, 'peerproof-response')).toBe('');
    const errors = (await widgetEvents(page)).filter((event) => event.type === 'peerproof:error');
    expect(errors).toEqual([expect.objectContaining({ code: 'test-sitekey-fails' })]);
    // The service refuses the challenge with a 403, which Chromium logs; nothing else went wrong.
    expect(consoleErrorsOf(problems)).toEqual([
      `Failed to load resource: the server responded with a status of 403 (Forbidden) (${t.baseUrl}/api/v1/challenges)`,
    ]);
    expect(problems.pageErrors).toEqual([]);
  });

  it('speaks the language it is asked for', async () => {
    pages.html(
      '/german',
      signupPage(`<div class="peerproof" data-sitekey="${site.sitekey}" data-language="de"></div>`),
    );
    const { page } = await open({ locale: 'en-US' });
    await page.goto(pages.url('/german'));
    const root = page.locator('.peerproof-widget');
    await root.waitFor({ state: 'visible' });
    expect(await root.getAttribute('lang')).toBe('de');
    expect(await page.locator('.peerproof-label').textContent()).toBe('Ich bin ein Mensch');
  });

  it('follows prefers-color-scheme in theme auto, and saves a screenshot of each theme', async () => {
    const { page, problems } = await open({
      colorScheme: 'dark',
      viewport: { width: 420, height: 200 },
      deviceScaleFactor: 2,
    });
    pages.route('/theme.css', () => ({
      contentType: 'text/css',
      body: 'body { margin: 0; padding: 24px; } body.dark, body.auto { background: #0d1117; }',
    }));
    const backgrounds: Record<string, string> = {};
    for (const theme of ['light', 'dark', 'auto']) {
      pages.html(
        `/theme-${theme}`,
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${theme}</title>
<link rel="stylesheet" href="/theme.css">
<script src="${loaderUrl}" async defer></script></head>
<body class="${theme}"><div class="peerproof" data-sitekey="${site.sitekey}" data-theme="${theme}" data-language="en"></div></body></html>`,
      );
      await page.goto(pages.url(`/theme-${theme}`));
      const root = page.locator('.peerproof-widget');
      await root.waitFor({ state: 'visible' });
      backgrounds[theme] = await root.evaluate((element) => getComputedStyle(element).backgroundColor);
      if (theme === 'auto') continue;
      const box = (await root.boundingBox())!;
      const margin = 12;
      const clip = {
        x: box.x - margin,
        y: box.y - margin,
        width: box.width + 2 * margin,
        height: box.height + 2 * margin,
      };
      const shot = await page.screenshot({ clip, animations: 'disabled' });
      saveArtifact(`widget-${theme}.png`, shot);
      if (process.env.PEERPROOF_UPDATE_SCREENSHOTS === '1') {
        fs.mkdirSync(path.resolve('docs/images'), { recursive: true });
        fs.writeFileSync(path.resolve(`docs/images/widget-${theme}.png`), shot);
      }
    }

    expect(backgrounds.light).not.toBe(backgrounds.dark);
    expect(backgrounds.auto).toBe(backgrounds.dark);
    await expectNoProblems(problems);
  });

  it('serves /demo, which a visitor completes with the keyboard alone and the demo backend verifies', async () => {
    await t.app.get(DemoSiteService).ensure();
    const { page, problems } = await open();
    // The demo site allows localhost and 127.0.0.1; PUBLIC_URL names 127.0.0.1, so the model comes cross-origin.
    const demoOrigin = t.baseUrl.replace('127.0.0.1', 'localhost');
    await page.goto(`${demoOrigin}/demo`);
    await page.locator('.peerproof-check').waitFor({ state: 'visible' });

    await page.keyboard.press('Tab'); // the email field
    await page.keyboard.press('Tab'); // the widget
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('checkbox');
    await page.keyboard.press('Space');
    await waitForState(page, 'solved');
    await page.keyboard.press('Tab'); // Sign up
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('signup-submit');
    await Promise.all([page.waitForURL(`${demoOrigin}/demo/signup`), page.keyboard.press('Enter')]);

    const result = await page.locator('#result').evaluate((section) => ({
      success: section.getAttribute('data-success'),
      heading: section.querySelector('h1')?.textContent,
      fields: Object.fromEntries(
        Array.from(section.querySelectorAll('dt')).map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]),
      ),
    }));
    expect(result).toMatchObject({
      success: 'true',
      heading: 'Welcome, newcomer@example.com!',
      fields: { hostname: 'localhost', level: 'compute', action: 'signup' },
    });
    await expectNoProblems(problems);
  });
});
