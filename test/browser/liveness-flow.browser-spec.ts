import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { JpegAdapter } from '../../src/adapters/jpeg.adapter';
import { synthEvidence } from '../../src/liveness/eval/synthesise';
import type { RgbImage } from '../../src/liveness/rgb-image';
import { deriveLivenessScript } from '../../src/protocol/liveness';
import type { SiteWithSecretDto } from '../../src/sites/sites.dto';
import type { PageProblems } from '../support/browser';
import {
  PageServer,
  browserTestsEnabled,
  launchChromium,
  openPage,
  redeem,
  saveArtifact,
  startWidgetService,
} from '../support/browser';
import { createSite } from '../support/fixtures';
import { FACES_DIR } from '../support/liveness';
import type { TestApp } from '../support/test-app';

/**
 * The widget's side of a liveness check in a real Chromium against the real service: the states, the
 * texts, the solution with evidence, the hints of a failed attempt, and the camera-less fallback.
 *
 * The capture itself belongs to the liveness chunk. Here a small stand-in takes its place, served at the
 * chunk's URL and keeping to widget/src/liveness-contract.ts: it reports phases and returns evidence that
 * the test process synthesises from a real face photo (as the service's own liveness tests do), so the
 * service verifies a real recording's worth of crops. liveness-fallback.browser-spec.ts runs the real chunk.
 */

const describeBrowser = browserTestsEnabled() ? describe : describe.skip;
const SOLVE_TIMEOUT_MS = 60_000;
/** The face box of image_T1 (480×640 after EXIF rotation), as in the service's liveness tests. */
const FACE = { x: 122, y: 108, w: 175, h: 251 };

type StandInMode = 'pass' | 'wrong-prompts' | 'camera-denied' | 'wait-for-abort';

/** The stand-in chunk: an ES module exporting runLiveness as the contract types it. */
function standInChunk(mode: StandInMode): string {
  return `export async function runLiveness({ challenge, language, serviceBase, signal, onPhase }) {
  const seen = { language, serviceBase, nonce: challenge.nonce, aborted: false };
  window.__standIn = seen;
  const overlay = document.createElement('div');
  overlay.setAttribute('data-peerproof-liveness', '');
  document.body.append(overlay);
  const phase = (name) => { overlay.dataset.phase = name; onPhase?.(name); };
  const captureError = (code) => Object.assign(new Error(code), { name: 'LivenessCaptureError', code });
  try {
    phase('camera');
    if (${JSON.stringify(mode)} === 'camera-denied') throw captureError('camera-denied');
    if (${JSON.stringify(mode)} === 'wait-for-abort') {
      await new Promise((resolve, reject) => signal.addEventListener('abort', () => {
        seen.aborted = true;
        reject(captureError('capture-cancelled'));
      }));
    }
    phase('script');
    const response = await fetch('/evidence?mode=${mode}&nonce=' + encodeURIComponent(challenge.nonce));
    phase('done');
    return await response.json();
  } finally {
    overlay.remove();
  }
}`;
}

interface WidgetEventRecord {
  type: string;
  state?: string;
  phase?: string;
  code?: string;
  hints?: string[];
  fallback?: boolean;
}

describeBrowser('liveness flow of the widget in Chromium', () => {
  let browser: Browser;
  let t: TestApp;
  let pages: PageServer;
  let photo: RgbImage;
  const jpeg = new JpegAdapter();
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [browser, t, pages] = await Promise.all([launchChromium(), startWidgetService(), PageServer.start()]);
    photo = jpeg.decode(fs.readFileSync(path.join(FACES_DIR, 'image_T1.jpg')));
    // What a cooperative visitor's camera would have recorded for the nonce, or one following other prompts.
    pages.route('/evidence', ({ query }) => {
      const nonce = query.get('nonce') ?? '';
      const otherScript = deriveLivenessScript(nonce.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')));
      const options = query.get('mode') === 'wrong-prompts' ? { promptsFrom: otherScript } : {};
      return {
        contentType: 'application/json',
        body: JSON.stringify(synthEvidence(jpeg, photo, FACE, nonce, options)),
      };
    });
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await t?.close();
  });

  beforeEach(() => {
    // Past the per-IP challenge counter's minute, so each test gets the site's base difficulty.
    t.clock.advance(61_000);
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  const livenessSite = (extra: Record<string, unknown> = {}): Promise<SiteWithSecretDto> =>
    createSite(t, { name: 'Liveness', hostnames: ['localhost'], level: 'liveness', difficulty: 'easy', ...extra });

  /** A page with the site's widget; `chunk` says what the chunk's URL answers (a stand-in, or a failure). */
  async function openWidget(site: SiteWithSecretDto, chunk: StandInMode | 'unreachable'): Promise<Page> {
    const { context, page, problems } = await openPage(browser);
    contexts.push(context);
    openProblems.set(page, problems);
    await context.addInitScript(() => {
      const events: unknown[] = [];
      Object.defineProperty(window, '__widgetEvents', { value: events });
      for (const type of ['peerproof:state', 'peerproof:error']) {
        document.addEventListener(type, (event) => events.push({ type, ...(event as CustomEvent).detail }));
      }
    });
    await page.route(`${t.baseUrl}/widget/liveness.js`, (route) =>
      chunk === 'unreachable'
        ? route.abort('failed')
        : route.fulfill({
            contentType: 'text/javascript',
            headers: { 'Access-Control-Allow-Origin': '*' },
            body: standInChunk(chunk),
          }),
    );
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
  const openProblems = new WeakMap<Page, PageProblems>();

  function widgetEvents(page: Page): Promise<WidgetEventRecord[]> {
    return page.evaluate(() => (window as unknown as { __widgetEvents: WidgetEventRecord[] }).__widgetEvents.slice());
  }

  /** The distinct states the widget passed through, with the liveness phase next to `liveness`. */
  async function statePath(page: Page): Promise<string[]> {
    const states = (await widgetEvents(page))
      .filter((event) => event.type === 'peerproof:state')
      .map((event) => (event.state === 'liveness' ? `liveness:${event.phase}` : event.state!));
    return states.filter((state, i) => state !== states[i - 1]);
  }

  async function waitForState(page: Page, state: string): Promise<void> {
    await page.waitForSelector(`.peerproof-widget[data-state="${state}"]`, { timeout: SOLVE_TIMEOUT_MS });
  }

  const statusText = (page: Page) => page.locator('.peerproof-status').textContent();
  const tokenOf = (page: Page) => page.evaluate(() => window.peerproof!.getResponse());

  it('runs the overlay and the worker side by side and earns a liveness token', async () => {
    const site = await livenessSite();
    const page = await openWidget(site, 'pass');
    const workerStarted = page.waitForEvent('worker');

    await page.click('.peerproof-check');
    await workerStarted;
    await waitForState(page, 'solved');

    const states = await statePath(page);
    expect(states.slice(0, 5)).toEqual([
      'fetching-challenge',
      'liveness:intro',
      'liveness:camera',
      'liveness:script',
      'liveness:done',
    ]);
    // Whichever of the capture and the solve ends last, the widget verifies both together.
    expect(states.slice(-2)).toEqual(['verifying', 'solved']);
    expect(states.filter((state) => !state.startsWith('liveness')).slice(1, -2)).toEqual(
      states.includes('solving') ? ['solving'] : [],
    );
    const seen = await page.evaluate(() => (window as unknown as { __standIn: Record<string, unknown> }).__standIn);
    expect(seen).toMatchObject({
      language: 'en',
      serviceBase: `${t.baseUrl}/`,
    });
    expect(await page.locator('[data-peerproof-liveness]').count()).toBe(0);
    const verdict = await redeem(t.baseUrl, site.secret, await tokenOf(page));
    expect(verdict).toMatchObject({ success: true, level: 'liveness', liveness: { reasons: [] } });
  });

  it('shows the service’s hints after a failed attempt, and Retry starts a fresh challenge', async () => {
    const site = await livenessSite({ livenessFallback: true });
    const page = await openWidget(site, 'wrong-prompts');

    await page.click('.peerproof-check');
    await waitForState(page, 'error');

    expect(await statusText(page)).toBe('We could not confirm a live person. Please try again.');
    expect(await page.locator('.peerproof-hints li').allTextContents()).toContain(
      'Follow each prompt while it is shown.',
    );
    saveArtifact('widget-liveness-failed.png', await page.locator('.peerproof-widget').screenshot());
    // A failed check is no reason to drop the camera: no fallback here, only Retry (which has the focus).
    expect(await page.locator('.peerproof-fallback').isVisible()).toBe(false);
    const retry = page.locator('.peerproof-retry');
    expect(await retry.evaluate((button) => document.activeElement === button)).toBe(true);
    const errors = (await widgetEvents(page)).filter((event) => event.type === 'peerproof:error');
    expect(errors).toEqual([expect.objectContaining({ code: 'liveness-failed', hints: ['prompts-missed'] })]);

    const firstNonce = await page.evaluate(
      () => (window as unknown as { __standIn: { nonce: string } }).__standIn.nonce,
    );
    await retry.click();
    await waitForState(page, 'error');
    const secondNonce = await page.evaluate(
      () => (window as unknown as { __standIn: { nonce: string } }).__standIn.nonce,
    );
    expect(secondNonce).not.toBe(firstNonce);
  });

  it('offers Continue without camera after a capture error where the site allows it, which earns a compute token', async () => {
    const site = await livenessSite({ livenessFallback: true });
    const page = await openWidget(site, 'camera-denied');

    await page.click('.peerproof-check');
    await waitForState(page, 'error');
    expect(await statusText(page)).toBe('Camera access was blocked. Allow it in your browser settings and try again.');
    const fallback = page.locator('.peerproof-fallback');
    expect(await fallback.textContent()).toBe('Continue without camera');
    const errorEvent = (await widgetEvents(page)).find((e) => e.type === 'peerproof:state' && e.state === 'error');
    expect(errorEvent).toEqual(expect.objectContaining({ code: 'camera-denied', fallback: true }));
    saveArtifact('widget-camera-denied.png', await page.locator('.peerproof-widget').screenshot());

    await fallback.click();
    await waitForState(page, 'solved');
    expect(await statePath(page)).toEqual([
      'fetching-challenge',
      'liveness:intro',
      'liveness:camera',
      'error',
      'fetching-challenge',
      'solving',
      'verifying',
      'solved',
    ]);
    const verdict = await redeem(t.baseUrl, site.secret, await tokenOf(page));
    expect(verdict).toMatchObject({ success: true, level: 'compute' });
    expect(verdict.liveness).toBeUndefined();
  });

  it('says liveness-unavailable when the chunk cannot load, with no fallback where the site allows none', async () => {
    const site = await livenessSite();
    const page = await openWidget(site, 'unreachable');

    await page.click('.peerproof-check');
    await waitForState(page, 'error');

    expect(await statusText(page)).toBe('The camera check could not be loaded.');
    expect(await page.locator('.peerproof-fallback').isVisible()).toBe(false);
    expect(await page.locator('.peerproof-retry').isVisible()).toBe(true);
    const errors = (await widgetEvents(page)).filter((event) => event.type === 'peerproof:error');
    expect(errors).toEqual([expect.objectContaining({ code: 'liveness-unavailable' })]);
    expect(openProblems.get(page)!.pageErrors).toEqual([]);
  });

  it('closes the overlay when the widget is reset, and the abandoned capture changes nothing', async () => {
    const site = await livenessSite({ livenessFallback: true });
    const page = await openWidget(site, 'wait-for-abort');

    await page.click('.peerproof-check');
    await page.waitForSelector('[data-peerproof-liveness][data-phase="camera"]', { state: 'attached' });
    // The checkbox names the check; the live region says what the overlay asks for now.
    expect(await page.locator('.peerproof-label').textContent()).toBe('Camera check');
    expect(await statusText(page)).toBe('Opening the camera…');
    expect(await page.locator('.peerproof-check').getAttribute('aria-checked')).toBe('mixed');
    await page.evaluate(() => window.peerproof!.reset());
    await page.waitForSelector('[data-peerproof-liveness]', { state: 'detached' });

    expect(
      await page.evaluate(() => (window as unknown as { __standIn: { aborted: boolean } }).__standIn.aborted),
    ).toBe(true);
    expect(await page.locator('.peerproof-widget').getAttribute('data-state')).toBe('idle');
    const events = await widgetEvents(page);
    expect(events.filter((event) => event.type === 'peerproof:error')).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'peerproof:state', state: 'idle' });
  });
});
