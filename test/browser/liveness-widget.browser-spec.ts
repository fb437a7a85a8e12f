import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import playwright from 'playwright-core';
import type { SiteWithSecretDto } from '../../src/sites/sites.dto';
import { DemoSiteService } from '../../src/sites/demo-site.service';
import type { PageProblems } from '../support/browser';
import {
  CHROMIUM_ARGS,
  PageServer,
  browserTestsEnabled,
  chromiumPath,
  openPage,
  redeem,
  requireBuiltWidget,
  saveArtifact,
  startWidgetService,
} from '../support/browser';
import { createSite } from '../support/fixtures';
import type { TestApp } from '../support/test-app';

/**
 * The real liveness chunk (/widget/liveness.js) behind the real widget and service: the overlay opens on a
 * liveness site; Cancel, a denied camera and a chunk that cannot load end in their own errors; a reset
 * closes the overlay and the camera; "Continue without camera" earns a compute token. Chromium's fake camera
 * (a test pattern, no face) stands in for a webcam; liveness-e2e.browser-spec.ts has a face that passes.
 */

const describeBrowser = browserTestsEnabled() ? describe : describe.skip;
const SOLVE_TIMEOUT_MS = 60_000;

describeBrowser('liveness chunk and the camera-less fallback in Chromium', () => {
  let browser: Browser;
  let t: TestApp;
  let pages: PageServer;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [browser, t, pages] = await Promise.all([
      // A fake camera that needs no permission prompt: getUserMedia succeeds unless a test makes it fail.
      playwright.chromium.launch({
        executablePath: chromiumPath(),
        headless: true,
        args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
      }),
      startWidgetService({ DEMO_SITE: 'true' }),
      PageServer.start(),
    ]);
    await requireBuiltWidget(t, 'liveness.js');
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await t?.close();
  });

  beforeEach(() => {
    t.clock.advance(61_000);
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  const livenessSite = (fallback: boolean): Promise<SiteWithSecretDto> =>
    createSite(t, {
      name: 'Liveness',
      hostnames: ['localhost'],
      level: 'liveness',
      livenessFallback: fallback,
      difficulty: 'easy',
    });

  async function open(denyCamera = false): Promise<{ page: Page; problems: PageProblems }> {
    const opened = await openPage(browser);
    contexts.push(opened.context);
    await opened.context.addInitScript(() => {
      const events: unknown[] = [];
      Object.defineProperty(window, '__widgetEvents', { value: events });
      for (const type of ['peerproof:state', 'peerproof:error']) {
        document.addEventListener(type, (event) => events.push({ type, ...(event as CustomEvent).detail }));
      }
    });
    if (denyCamera) {
      // What a visitor's "Block" in the permission prompt looks like to the page.
      await opened.context.addInitScript(() => {
        navigator.mediaDevices.getUserMedia = () =>
          Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
      });
    }
    return opened;
  }

  async function openSite(site: SiteWithSecretDto, denyCamera = false): Promise<Page> {
    const { page } = await open(denyCamera);
    pages.html(
      '/liveness',
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Liveness</title>
<script src="${t.baseUrl}/widget/peerproof.js" async defer></script></head>
<body><form><div class="peerproof" data-sitekey="${site.sitekey}"></div></form></body></html>`,
    );
    await page.goto(pages.url('/liveness'));
    await page.locator('.peerproof-check').waitFor({ state: 'visible' });
    return page;
  }

  async function waitForState(page: Page, state: string): Promise<void> {
    await page.waitForSelector(`.peerproof-widget[data-state="${state}"]`, { timeout: SOLVE_TIMEOUT_MS });
  }

  const overlay = (page: Page) => page.locator('[data-peerproof-liveness]');
  const statusText = (page: Page) => page.locator('.peerproof-status').textContent();
  const errorCodes = (page: Page) =>
    page.evaluate(() =>
      (window as unknown as { __widgetEvents: { type: string; code?: string }[] }).__widgetEvents
        .filter((event) => event.type === 'peerproof:error')
        .map((event) => event.code),
    );

  it('opens the overlay on a liveness site, with the photosensitivity warning; Cancel ends in capture-cancelled', async () => {
    const page = await openSite(await livenessSite(false));

    await page.click('.peerproof-check');
    await overlay(page).locator('button[data-action="start"]').waitFor({ state: 'visible', timeout: SOLVE_TIMEOUT_MS });
    expect(await overlay(page).getAttribute('data-phase')).toBe('intro');
    // The overlay lives in a shadow root, which Playwright's text locators see into.
    expect(
      await overlay(page)
        .getByText(/the screen will flash colours/)
        .isVisible(),
    ).toBe(true);
    expect(await page.locator('.peerproof-widget').getAttribute('data-state')).toBe('liveness');
    saveArtifact('liveness-overlay-intro.png', await page.screenshot());

    await overlay(page).locator('button[data-action="cancel"]').click();
    await waitForState(page, 'error');
    expect(await overlay(page).count()).toBe(0);
    expect(await statusText(page)).toBe('The camera check was cancelled.');
    expect(await page.locator('.peerproof-retry').isVisible()).toBe(true);
    // This site allows no fallback.
    expect(await page.locator('.peerproof-fallback').isVisible()).toBe(false);
    expect(await errorCodes(page)).toEqual(['capture-cancelled']);
  });

  it('shows camera-denied and the fallback button when the camera is blocked, which leads to a compute token', async () => {
    const site = await livenessSite(true);
    const page = await openSite(site, true);

    await page.click('.peerproof-check');
    const start = overlay(page).locator('button[data-action="start"]');
    await start.waitFor({ state: 'visible', timeout: SOLVE_TIMEOUT_MS });
    await start.click();
    await waitForState(page, 'error');

    expect(await statusText(page)).toBe('Camera access was blocked. Allow it in your browser settings and try again.');
    expect(await errorCodes(page)).toEqual(['camera-denied']);
    expect(await overlay(page).count()).toBe(0);
    // The overlay had the focus; once it is gone the widget's Retry has it, not the page's body.
    expect(await page.locator('.peerproof-retry').evaluate((button) => document.activeElement === button)).toBe(true);
    const fallback = page.locator('.peerproof-fallback');
    expect(await fallback.textContent()).toBe('Continue without camera');
    await fallback.click();
    await waitForState(page, 'solved');

    const token = await page.evaluate(() => window.peerproof!.getResponse());
    const verdict = await redeem(t.baseUrl, site.secret, token);
    expect(verdict).toMatchObject({ success: true, level: 'compute', hostname: 'localhost' });
    expect(verdict.liveness).toBeUndefined();
  });

  it('says liveness-unavailable when the chunk cannot load, with Retry and no fallback where the site allows none', async () => {
    const page = await openSite(await livenessSite(false));
    await page.route('**/widget/liveness.js', (route) => route.abort('connectionrefused'));

    await page.click('.peerproof-check');
    await waitForState(page, 'error');

    expect(await statusText(page)).toBe('The camera check could not be loaded.');
    expect(await page.locator('.peerproof-fallback').isVisible()).toBe(false);
    expect(await page.locator('.peerproof-retry').isVisible()).toBe(true);
    expect(await errorCodes(page)).toEqual(['liveness-unavailable']);
    expect(await overlay(page).count()).toBe(0);

    // The next attempt loads the chunk again, now that it can be reached.
    await page.unroute('**/widget/liveness.js');
    await page.click('.peerproof-retry');
    await overlay(page).locator('button[data-action="start"]').waitFor({ state: 'visible', timeout: SOLVE_TIMEOUT_MS });
  });

  it('closes the overlay and stops the camera when the widget is reset; the abandoned attempt changes nothing', async () => {
    const page = await openSite(await livenessSite(true));
    await page.evaluate(() => {
      const tracks: MediaStreamTrack[] = [];
      Object.defineProperty(window, '__tracks', { value: tracks });
      const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = async (constraints) => {
        const stream = await open(constraints);
        tracks.push(...stream.getTracks());
        return stream;
      };
    });

    await page.click('.peerproof-check');
    const start = overlay(page).locator('button[data-action="start"]');
    await start.waitFor({ state: 'visible', timeout: SOLVE_TIMEOUT_MS });
    expect(await page.locator('.peerproof-label').textContent()).toBe('Camera check');
    expect(await page.locator('.peerproof-check').getAttribute('aria-checked')).toBe('mixed');
    await start.click();
    await page.waitForSelector('[data-peerproof-liveness][data-phase="guidance"]', {
      state: 'attached',
      timeout: SOLVE_TIMEOUT_MS,
    });
    await page.evaluate(() => window.peerproof!.reset());
    await overlay(page).waitFor({ state: 'detached' });

    const tracks = await page.evaluate(() =>
      (window as unknown as { __tracks: MediaStreamTrack[] }).__tracks.map((track) => track.readyState),
    );
    expect(tracks).toEqual(['ended']);
    expect(await page.locator('.peerproof-widget').getAttribute('data-state')).toBe('idle');
    expect(await errorCodes(page)).toEqual([]);
    expect(await page.evaluate(() => window.peerproof!.getResponse())).toBe('');
  });

  it('runs the chunk on /demo?level=liveness under the demo page’s CSP without violations', async () => {
    await t.app.get(DemoSiteService).ensure();
    const { page, problems } = await open();
    const demoOrigin = t.baseUrl.replace('127.0.0.1', 'localhost');
    await page.goto(`${demoOrigin}/demo?level=liveness`);

    await page.click('.peerproof-check');
    const start = overlay(page).locator('button[data-action="start"]');
    await start.waitFor({ state: 'visible', timeout: SOLVE_TIMEOUT_MS });
    await start.click();
    // The fake camera shows no face: the overlay opens the camera, loads the face landmarker and waits in
    // guidance, which is as far as a test pattern gets. Everything on the way must pass the page's policy.
    await page.waitForSelector('[data-peerproof-liveness][data-phase="guidance"]', {
      state: 'attached',
      timeout: SOLVE_TIMEOUT_MS,
    });
    await overlay(page).locator('button[data-action="cancel"]').click();
    await waitForState(page, 'error');

    expect({ csp: problems.cspViolations, blocked: problems.blockedRequests, errors: problems.pageErrors }).toEqual({
      csp: [],
      blocked: [],
      errors: [],
    });
    expect(await errorCodes(page)).toEqual(['capture-cancelled']);
  });
});
