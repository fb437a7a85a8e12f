import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { HCAPTCHA_TEST_KEYS, RECAPTCHA_TEST_KEYS, TURNSTILE_DUMMY_TOKEN } from '../../src/protocol/anchor-test-keys';
import { DUMMY_TOKEN, TEST_SITEKEYS } from '../../src/protocol/keys';
import type { SiteWithSecretDto } from '../../src/sites/sites.dto';
import type { PageProblems } from '../support/browser';
import {
  PageServer,
  browserTestsEnabled,
  launchChromium,
  openPage,
  requireBuiltWidget,
  siteverifyHandler,
  startWidgetService,
} from '../support/browser';
import { createSite } from '../support/fixtures';
import type { TestApp } from '../support/test-app';

/**
 * Pages written for reCAPTCHA, hCaptcha and Turnstile — their documentation's examples, markup and code as
 * given there — with only the script URL and the keys changed, in a real Chromium against the service. The
 * backends behind their forms redeem the anchor's field at siteverify.
 */

const describeBrowser = browserTestsEnabled() ? describe : describe.skip;

/** A solve of an `easy` challenge (64 inferences) in WebAssembly, with onnxruntime's first load. */
const SOLVE_TIMEOUT_MS = 60_000;

/** What the example pages and the compat APIs put on window, as the tests read it. */
interface PageWindow {
  grecaptcha: { getResponse(id?: number): string };
  turnstile: { isExpired(id?: string): boolean };
  widgetId1: number;
  widgetId2: number;
  widgetID?: string;
  results: unknown[][];
  ids: string[];
}

/** The embedding site's backend answer: the posted fields and siteverify's verdict on the token. */
interface FormAnswer {
  fields: Record<string, string>;
  verdict: Record<string, unknown>;
}

interface Opened {
  page: Page;
  problems: PageProblems;
  dialogs: string[];
}

describeBrowser('pages written for the anchors, in Chromium', () => {
  let browser: Browser;
  let t: TestApp;
  let site: SiteWithSecretDto;
  let pages: PageServer;
  let loaderUrl: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [browser, t, pages] = await Promise.all([launchChromium(), startWidgetService(), PageServer.start()]);
    site = await createSite(t, { name: 'Anchor pages', hostnames: ['localhost'], difficulty: 'easy' });
    loaderUrl = await requireBuiltWidget(t, 'peerproof.js');
    for (const field of ['g-recaptcha-response', 'h-captcha-response', 'cf-turnstile-response']) {
      pages.route(`/verify/${field}`, siteverifyHandler(t.baseUrl, site.secret, field));
    }
    pages.route('/favicon.ico', () => ({ status: 204, body: '' }));
    pages.route('/verify/hcaptcha-test', siteverifyHandler(t.baseUrl, HCAPTCHA_TEST_KEYS.secret, 'h-captcha-response'));
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await t?.close();
  });

  beforeEach(() => {
    // Past the per-IP challenge counter's minute, so every test gets the site's base difficulty.
    t.clock.advance(61_000);
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  /** A page in a fresh context; alert() texts are collected (the docs' examples use alert). */
  async function open(path: string): Promise<Opened> {
    const { context, page, problems } = await openPage(browser);
    contexts.push(context);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    await page.goto(pages.url(path));
    return { page, problems, dialogs };
  }

  const fieldById = (page: Page, id: string) =>
    page.evaluate((fieldId) => (document.getElementById(fieldId) as HTMLInputElement | null)?.value ?? null, id);

  async function waitForField(page: Page, id: string): Promise<string> {
    await page.waitForFunction(
      (fieldId) => ((document.getElementById(fieldId) as HTMLInputElement | null)?.value ?? '') !== '',
      id,
      { timeout: SOLVE_TIMEOUT_MS },
    );
    return (await fieldById(page, id)) ?? '';
  }

  /** Submits the page's form the way the example does and returns what its backend answered. */
  async function submitAndRead(page: Page, submit: () => Promise<unknown>): Promise<FormAnswer> {
    await Promise.all([page.waitForURL(/\/verify\//), submit()]);
    return JSON.parse((await page.locator('body').textContent()) ?? '{}') as FormAnswer;
  }

  function expectNoProblems(problems: PageProblems): void {
    expect({ console: problems.consoleErrors, page: problems.pageErrors }).toEqual({ console: [], page: [] });
  }

  describe('reCAPTCHA', () => {
    it('renders .g-recaptcha automatically (its simple page), and the form posts g-recaptcha-response', async () => {
      pages.html(
        '/recaptcha/simple',
        `<html>
  <head>
    <title>reCAPTCHA demo: Simple page</title>
    <script src="${loaderUrl}?compat=recaptcha" async defer></script>
  </head>
  <body>
    <form action="/verify/g-recaptcha-response" method="POST">
      <div class="g-recaptcha" data-sitekey="${site.sitekey}"></div>
      <br/>
      <input type="submit" value="Submit">
    </form>
  </body>
</html>`,
      );
      const { page, problems } = await open('/recaptcha/simple');
      await page.click('.peerproof-check');
      const token = await waitForField(page, 'g-recaptcha-response');
      const global = await page.evaluate(() => typeof (window as unknown as PageWindow).grecaptcha);

      const answer = await submitAndRead(page, () => page.click('input[type=submit]'));

      expect(token).toMatch(/^ppt_/);
      expect(global).toBe('object');
      expect(answer.fields).toEqual({ 'g-recaptcha-response': token });
      expect(answer.verdict).toMatchObject({ success: true, hostname: 'localhost' });
      expectNoProblems(problems);
    });

    it('runs its explicit-render example for several widgets: ids, getResponse, reset and callback', async () => {
      const key = RECAPTCHA_TEST_KEYS.sitekey;
      pages.html(
        '/recaptcha/explicit',
        `<html>
  <head>
    <title>reCAPTCHA demo: Explicit render for multiple widgets</title>
    <script type="text/javascript">
      var verifyCallback = function(response) {
        alert(response);
      };
      var widgetId1;
      var widgetId2;
      var onloadCallback = function() {
        // Renders the HTML element with id 'example1' as a reCAPTCHA widget.
        // The id of the reCAPTCHA widget is assigned to 'widgetId1'.
        widgetId1 = grecaptcha.render('example1', {
          'sitekey' : '${key}',
          'theme' : 'light'
        });
        widgetId2 = grecaptcha.render(document.getElementById('example2'), {
          'sitekey' : '${key}'
        });
        grecaptcha.render('example3', {
          'sitekey' : '${key}',
          'callback' : verifyCallback,
          'theme' : 'dark'
        });
      };
    </script>
  </head>
  <body>
    <!-- The g-recaptcha-response string displays in an alert message upon submit. -->
    <form action="javascript:alert(grecaptcha.getResponse(widgetId1));">
      <div id="example1"></div>
      <br>
      <input id="get" type="submit" value="getResponse">
    </form>
    <br>
    <!-- Resets reCAPTCHA widgetId2 upon submit. -->
    <form action="javascript:grecaptcha.reset(widgetId2);">
      <div id="example2"></div>
      <br>
      <input id="reset" type="submit" value="reset">
    </form>
    <br>
    <!-- POSTs back to the page's URL upon submit with a g-recaptcha-response POST parameter. -->
    <form action="?" method="POST">
      <div id="example3"></div>
      <br>
      <input type="submit" value="Submit">
    </form>
    <script src="${loaderUrl}?compat=recaptcha&onload=onloadCallback&render=explicit"
        async defer>
    </script>
  </body>
</html>`,
      );
      const { page, problems, dialogs } = await open('/recaptcha/explicit');
      await page.waitForSelector('#example3 .peerproof-theme-dark');

      expect(
        await page.evaluate(() => [
          (window as unknown as PageWindow).widgetId1,
          (window as unknown as PageWindow).widgetId2,
        ]),
      ).toEqual([0, 1]);
      await page.click('#example3 .peerproof-check');
      await page.waitForFunction(() => (window as unknown as PageWindow).grecaptcha.getResponse(2) !== '');
      await page.click('#example1 .peerproof-check');
      await page.waitForFunction(() => (window as unknown as PageWindow).grecaptcha.getResponse(0) !== '');
      await page.click('#get');
      await page.click('#example2 .peerproof-check');
      await page.waitForFunction(() => (window as unknown as PageWindow).grecaptcha.getResponse(1) !== '');
      await page.click('#reset');
      await page.waitForFunction(() => (window as unknown as PageWindow).grecaptcha.getResponse(1) === '');

      expect(dialogs).toEqual([DUMMY_TOKEN, DUMMY_TOKEN]);
      // The first widget's field has reCAPTCHA's id; the others are numbered.
      expect(await fieldById(page, 'g-recaptcha-response')).toBe(DUMMY_TOKEN);
      expect(await fieldById(page, 'g-recaptcha-response-2')).toBe('');
      expect(await page.locator('#example1 .peerproof-theme-light').count()).toBe(1);
      expectNoProblems(problems);
    });

    it('binds an invisible check to a button (v3 example): the callback submits the form with the token', async () => {
      pages.html(
        '/recaptcha/v3-button',
        `<html>
  <head>
    <script src="${loaderUrl}?compat=recaptcha"></script>
    <script>
      function onSubmit(token) {
        document.getElementById("demo-form").submit();
      }
    </script>
  </head>
  <body>
    <form id="demo-form" action="/verify/g-recaptcha-response" method="POST">
      <input name="email" value="ada@example.com">
      <button class="g-recaptcha"
          data-sitekey="${site.sitekey}"
          data-callback='onSubmit'
          data-action='submit'>Submit</button>
    </form>
  </body>
</html>`,
      );
      const { page, problems } = await open('/recaptcha/v3-button');

      const answer = await submitAndRead(page, () => page.click('button.g-recaptcha'));

      expect(answer.fields.email).toBe('ada@example.com');
      expect(answer.fields['g-recaptcha-response']).toMatch(/^ppt_/);
      expect(answer.verdict).toMatchObject({ success: true, action: 'submit' });
      expectNoProblems(problems);
    });

    it('runs grecaptcha.execute(sitekey, {action}) from its v3 example, and grecaptcha.enterprise too', async () => {
      pages.html(
        '/recaptcha/v3-execute',
        `<html>
  <head>
    <script src="${loaderUrl}?compat=recaptcha&render=${site.sitekey}"></script>
    <script>
      function onClick(e) {
        e.preventDefault();
        grecaptcha.ready(function() {
          grecaptcha.execute('${site.sitekey}', {action: 'submit'}).then(function(token) {
              // Add your logic to submit to your backend server here.
              document.getElementById('token').value = token;
              document.getElementById('form').submit();
          });
        });
      }
    </script>
  </head>
  <body>
    <form id="form" action="/verify/g-recaptcha-response" method="POST">
      <input type="hidden" id="token" name="g-recaptcha-response">
      <button onclick="onClick(event)">Submit</button>
    </form>
  </body>
</html>`,
      );
      const { page, problems } = await open('/recaptcha/v3-execute');

      const answer = await submitAndRead(page, () =>
        page.click('form button:text("Submit"), form button:text("Log in")'),
      );

      expect(answer.verdict).toMatchObject({ success: true, action: 'submit' });
      expectNoProblems(problems);
    });
  });

  describe('hCaptcha', () => {
    it('renders .h-captcha automatically (its demo page) with both its field and reCAPTCHA’s', async () => {
      pages.html(
        '/hcaptcha/demo',
        `<html>
  <head>
    <title>hCaptcha Demo</title>
    <script src="${loaderUrl}?compat=hcaptcha" async defer></script>
  </head>
  <body>
    <form action="/verify/h-captcha-response" method="POST">
      <input type="text" name="email" placeholder="Email" />
      <input type="password" name="password" placeholder="Password" />
      <div class="h-captcha" data-sitekey="${site.sitekey}"></div>
      <br />
      <input type="submit" value="Submit" />
    </form>
  </body>
</html>`,
      );
      const { page, problems } = await open('/hcaptcha/demo');
      await page.fill('input[name=email]', 'ada@example.com');
      await page.click('.peerproof-check');
      const token = await waitForField(page, 'h-captcha-response');
      const compatField = await fieldById(page, 'g-recaptcha-response');

      const answer = await submitAndRead(page, () => page.click('input[type=submit]'));

      expect(compatField).toBe(token);
      expect(answer.fields).toMatchObject({ 'h-captcha-response': token, 'g-recaptcha-response': token });
      expect(answer.verdict).toMatchObject({ success: true });
      expectNoProblems(problems);
    });

    it('runs its explicit render and execute({async: true}) with its test keys, and its test secret passes', async () => {
      pages.html(
        '/hcaptcha/explicit',
        `<html>
  <head>
    <script src="${loaderUrl}?compat=hcaptcha&onload=yourFunction&render=explicit" async defer></script>
    <script>
      var widgetID;
      var yourFunction = function () {
        console.log('hCaptcha is ready.');
        widgetID = hcaptcha.render('captcha-1', { sitekey: '${HCAPTCHA_TEST_KEYS.sitekey}', size: 'invisible' });
      };
      function submitForm(event) {
        event.preventDefault();
        hcaptcha.execute(widgetID, { async: true }).then(function (result) {
          window.executed = result;
          document.getElementById('form').submit();
        });
      }
    </script>
  </head>
  <body>
    <form id="form" action="/verify/hcaptcha-test" method="POST" onsubmit="submitForm(event)">
      <div id="captcha-1"></div>
      <button type="submit">Submit</button>
    </form>
  </body>
</html>`,
      );
      const { page, problems } = await open('/hcaptcha/explicit');
      await page.waitForFunction(() => (window as unknown as PageWindow).widgetID !== undefined);

      const answer = await submitAndRead(page, () =>
        page.click('form button:text("Submit"), form button:text("Log in")'),
      );

      expect(answer.fields['h-captcha-response']).toBe(HCAPTCHA_TEST_KEYS.token);
      expect(answer.verdict).toMatchObject({ success: true, hostname: 'dummy-key-pass' });
      expectNoProblems(problems);
    });
  });

  describe('Turnstile', () => {
    it('renders .cf-turnstile automatically (its login form) and solves without a click', async () => {
      pages.html(
        '/turnstile/login',
        `<html>
  <head>
    <script src="${loaderUrl}?compat=turnstile" async defer></script>
  </head>
  <body>
    <form action="/verify/cf-turnstile-response" method="POST">
      <input type="text" placeholder="username"/>
      <input type="password" placeholder="password"/>
      <div class="cf-turnstile" data-sitekey="${site.sitekey}"></div>
      <button type="submit" value="Submit">Log in</button>
    </form>
  </body>
</html>`,
      );
      const { page, problems } = await open('/turnstile/login');
      const token = await waitForField(page, 'cf-turnstile-response');

      const answer = await submitAndRead(page, () =>
        page.click('form button:text("Submit"), form button:text("Log in")'),
      );

      expect(answer.fields).toEqual({ 'cf-turnstile-response': token });
      expect(answer.verdict).toMatchObject({ success: true, hostname: 'localhost', action: '', cdata: '' });
      expectNoProblems(problems);
    });

    it('runs turnstile.ready + render("#example-container") with its test sitekeys: pass and fail', async () => {
      pages.html(
        '/turnstile/explicit',
        `<html>
  <head>
    <script src="${loaderUrl}?compat=turnstile&render=explicit"></script>
  </head>
  <body>
    <div id="example-container"></div>
    <div id="failing-container"></div>
    <script>
      window.results = [];
      turnstile.ready(function () {
        turnstile.render("#example-container", {
          sitekey: "1x00000000000000000000AA",
          callback: function (token) {
            console.log(\`Challenge Success \${token}\`);
            window.results.push(['success', token]);
          },
        });
        turnstile.render("#failing-container", {
          sitekey: "2x00000000000000000000AB",
          "error-callback": function (code) {
            window.results.push(['error', code]);
          },
        });
      });
    </script>
  </body>
</html>`,
      );
      const { page, problems } = await open('/turnstile/explicit');
      await page.waitForFunction(() => (window as unknown as PageWindow).results.length === 2);

      const results = await page.evaluate(() => (window as unknown as PageWindow).results as unknown[][]);
      const expired = await page.evaluate(() =>
        (window as unknown as PageWindow).turnstile.isExpired('#example-container'),
      );

      expect(results).toEqual(
        expect.arrayContaining([
          ['success', TURNSTILE_DUMMY_TOKEN],
          ['error', 'test-sitekey-fails'],
        ]),
      );
      expect(expired).toBe(false);
      expect(await fieldById(page, 'cf-turnstile-response')).toBe(TURNSTILE_DUMMY_TOKEN);
      expectNoProblems(problems);
    });
  });

  it('peerproof.render takes an element id as well as a selector or an element', async () => {
    pages.html(
      '/peerproof/by-id',
      `<html><head><script src="${loaderUrl}?render=explicit"></script></head>
<body><form><div id="captcha"></div><div class="by-selector"></div></form>
<script>
  window.ids = [
    peerproof.render('captcha', { sitekey: '${TEST_SITEKEYS.alwaysPass}' }),
    peerproof.render('.by-selector', { sitekey: '${TEST_SITEKEYS.alwaysPass}', compat: 'turnstile' }),
  ];
</script></body></html>`,
    );
    const { page, problems } = await open('/peerproof/by-id');

    expect(await page.evaluate(() => (window as unknown as PageWindow).ids)).toEqual(['peerproof-1', 'peerproof-2']);
    expect(await page.locator('#captcha .peerproof-widget').count()).toBe(1);
    // The compat field of peerproof's own markup gets an id too.
    expect(await page.locator('#cf-turnstile-response').count()).toBe(1);
    expectNoProblems(problems);
  });
});
