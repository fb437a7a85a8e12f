import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { DataSource } from 'typeorm';
import { FACE_ANALYZER } from '../../src/liveness/analysis/face-analyzer.token';
import { FRAME_REJECTIONS } from '../../src/liveness/attempts/frame-structure';
import { LivenessAttemptEntity } from '../../src/liveness/attempts/liveness-attempt.entity';
import type { SiteWithSecretDto } from '../../src/sites/sites.dto';
import { LIVENESS_TEXTS } from '../../widget/src/i18n-liveness';
import type { PageProblems } from '../support/browser';
import {
  PageServer,
  browserTestsEnabled,
  launchChromium,
  openPage,
  redeem,
  requireBuiltWidget,
  startWidgetService,
} from '../support/browser';
import type { FakeCameraBehaviour, FakeCameraConfig } from '../support/fake-camera';
import { GRID_FACE, installFakeCamera } from '../support/fake-camera';
import { createSite } from '../support/fixtures';
import type { TestApp } from '../support/test-app';

/**
 * Liveness v2 end to end: the real widget on an embedding page in Chromium, its chunk with MediaPipe's
 * FaceLandmarker, and the real service (step route, frame structure and MAC checks, its own face analysis),
 * in front of the simulated camera of test/support/fake-camera.ts. The cooperative visitor is the tier-(i)
 * stand-in (a warped photo, documented there); the rigid puppet and the static photo are attacks.
 *
 * Every attempt counts: the visitor plays all the attempts the challenge allows, pressing the overlay's
 * Retry after each failure, and the per-attempt outcomes are logged and asserted one by one, so that no
 * retry hides a failed attempt (logged here; `npm run eval:liveness` counts the stand-in's per-attempt rate
 * over HTTP). The service must have its face analysis installed, and take every frame the widget sent: no
 * structure or MAC refusal, and a timing refusal only where a stalled page caused it.
 */

const describeBrowser = browserTestsEnabled() ? describe : describe.skip;
const ATTEMPT_TIMEOUT_MS = 120_000;
const PHOTO = path.resolve('test/fixtures/live-faces/grid/bbaf2n/frame_000.jpg');
const TEXTS = LIVENESS_TEXTS.en;
/** Structure refusals that a stalled page (not a wrong widget) causes. */
const TIMING_REFUSALS: readonly string[] = [
  'frame-gap-too-long',
  'frames-too-late',
  'frames-miss-step-start',
  'frames-miss-step-end',
];
/** The service's per-challenge limit, which the widget's overlay honours. */
const MAX_ATTEMPTS = 3;
/**
 * Visits of the cooperative visitor, each a fresh page and challenge (`npm run bench:liveness-cooperative`
 * sets more, to count the stand-in's per-attempt pass rate).
 */
const COOPERATIVE_VISITS = Math.max(1, Number(process.env.PEERPROOF_COOPERATIVE_VISITS ?? 1) || 1);
/**
 * The passive models are off by default: they were validated on real people's frames, and the stand-in is a
 * warped photo (docs/liveness.md, "Testing notes"). `PEERPROOF_LIVENESS_PASSIVE=true` turns them on, to
 * measure what they decide on the widget's own frames: a low score shows in the logged reasons
 * (`presentation-score-low`, `face-swap-score-low`), a veto as `presentation-attack-suspected`.
 */
const PASSIVE_CHECKS = process.env.PEERPROOF_LIVENESS_PASSIVE === 'true';

interface AttemptOutcome {
  id: string;
  status: string;
  reasons: string[];
}

describeBrowser('liveness v2 in Chromium: the real widget, the real service, a simulated visitor', () => {
  let browser: Browser;
  let t: TestApp;
  let pages: PageServer;
  let site: SiteWithSecretDto;
  let analysing: boolean;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [browser, t, pages] = await Promise.all([
      launchChromium(),
      startWidgetService({ LIVENESS_PASSIVE_CHECKS: String(PASSIVE_CHECKS) }),
      PageServer.start(),
    ]);
    // The visitor is a real browser in real time, and the step route measures its posts against the time of
    // each reveal: the service's clock follows the wall clock here rather than the test's steps.
    t.clock.nowMs = () => Date.now();
    analysing = t.app.get(FACE_ANALYZER, { strict: false }) !== null;
    site = await createSite(t, { name: 'Liveness', hostnames: ['localhost'], difficulty: 'easy', level: 'liveness' });
    const loaderUrl = await requireBuiltWidget(t, 'peerproof.js');
    pages.html(
      '/signup',
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign up</title>
<script src="${loaderUrl}" async defer></script></head>
<body><form action="/done" method="post">
<div class="peerproof" data-sitekey="${site.sitekey}" data-language="en"></div>
<button type="submit">Sign up</button></form></body></html>`,
    );
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await t?.close();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  async function visit(behaviour: FakeCameraBehaviour): Promise<{ page: Page; problems: PageProblems }> {
    // A small window: every frame of the overlay is composited on the CPU here.
    const visitor = await openPage(browser, { viewport: { width: 640, height: 480 } });
    contexts.push(visitor.context);
    const photoUrl = `data:image/jpeg;base64,${fs.readFileSync(PHOTO).toString('base64')}`;
    const camera: FakeCameraConfig = { behaviour, photoUrl, face: GRID_FACE, zoom: 0.85 };
    await visitor.context.addInitScript(installFakeCamera, camera);
    await visitor.page.goto(pages.url('/signup'));
    return visitor;
  }

  /**
   * Ticks the box, starts the overlay, and plays attempts until one passes or the challenge allows no more,
   * pressing Retry after each failed one. Returns each attempt's outcome as the service recorded it.
   */
  async function playAttempts(page: Page): Promise<{ state: string; attempts: AttemptOutcome[] }> {
    const ids: string[] = [];
    const onResponse = (response: Response) => {
      if (!/\/api\/v1\/challenges\/[^/]+\/liveness$/.test(response.url())) return;
      void response.json().then(
        (body: { attempt?: string }) => {
          if (body.attempt && !ids.includes(body.attempt)) ids.push(body.attempt);
        },
        () => undefined,
      );
    };
    page.on('response', onResponse);
    // The widest gap between two frames of each posted step, to tell a stalled page from a wrong widget.
    const gaps: number[] = [];
    const onRequest = (request: { url(): string; postData(): string | null }) => {
      if (!/\/liveness$/.test(request.url())) return;
      const body = JSON.parse(request.postData() ?? '{}') as { frames?: { t: number }[] };
      const times = (body.frames ?? []).map((frame) => frame.t);
      if (times.length > 1) gaps.push(Math.max(...times.slice(1).map((time, i) => time - times[i])));
    };
    page.on('request', onRequest);
    await page.locator('.peerproof-check').click();
    await page.locator('[data-peerproof-liveness] button[data-action="start"]').click({ timeout: 60_000 });
    let state: string;
    for (;;) {
      state = await until(page, () => {
        const host = document.querySelector('[data-peerproof-liveness]');
        if (host?.getAttribute('data-phase') === 'retry') return 'retry';
        const widget = document.querySelector('.peerproof-widget')?.getAttribute('data-state');
        return widget === 'solved' || widget === 'error' ? widget : false;
      });
      if (state !== 'retry') break;
      await page.click('[data-peerproof-liveness] button[data-action="retry"]');
    }
    page.off('response', onResponse);
    page.off('request', onRequest);
    console.log(`widest frame gap of each posted step, ms: ${gaps.join(' ')}`);
    const rows = await t.app.get(DataSource).getRepository(LivenessAttemptEntity).findBy({});
    const attempts = ids.map((id) => {
      const row = rows.find((candidate) => candidate.id === id);
      return { id, status: row?.status ?? 'missing', reasons: row?.reasons ?? [] };
    });
    return { state, attempts };
  }

  async function until(page: Page, probe: () => string | false): Promise<string> {
    const handle = await page.waitForFunction(probe, undefined, { timeout: ATTEMPT_TIMEOUT_MS, polling: 200 });
    return (await handle.jsonValue()) as string;
  }

  /** Reasons of the structure check: the frames themselves were refused before any analysis. */
  const structural = (outcome: AttemptOutcome) =>
    outcome.reasons.filter((reason) => (FRAME_REJECTIONS as readonly string[]).includes(reason));

  const log = (who: string, outcomes: AttemptOutcome[]) => {
    const passed = outcomes.filter((outcome) => outcome.status === 'passed').length;
    console.log(
      `liveness e2e, ${who}: ${passed} of ${outcomes.length} attempts passed` +
        `${analysing ? '' : ' (no face analyzer installed)'}; reasons per attempt: ` +
        JSON.stringify(outcomes.map((outcome) => outcome.reasons)),
    );
  };

  /**
   * One visit of the cooperative visitor, asserted as a person's must be, except that it may end unsolved:
   * the caller counts those, so a benchmark of many visits reports every attempt instead of stopping.
   */
  async function cooperativeVisit(): Promise<{ attempts: AttemptOutcome[]; solved: boolean }> {
    const { page, problems } = await visit('cooperative');
    const { state, attempts } = await playAttempts(page);
    log('cooperative tier-(i) visitor', attempts);
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    // The frames' format, MACs, indices and byte budget never fail; only a page stalled past the plan's
    // 250 ms gap or its post window may (a loaded 2-core machine does that to some attempts: logged).
    const refused = attempts.flatMap(structural);
    expect(refused.filter((reason) => !TIMING_REFUSALS.includes(reason))).toEqual([]);
    console.log(
      `liveness e2e: ${attempts.filter((a) => structural(a).length > 0).length} of ${attempts.length} attempts refused for timing`,
    );
    expect(analysing).toBe(true);
    const analysed = attempts.filter((outcome) => structural(outcome).length === 0);
    for (const outcome of analysed) expect(outcome.reasons).not.toContain('face-not-checked');
    expect(problems.pageErrors).toEqual([]);
    if (state !== 'solved') return { attempts, solved: false };
    // The visitor passed within the challenge's attempts: the token redeems as `liveness`.
    expect(attempts.at(-1)?.status).toBe('passed');
    const token = await page.evaluate(
      () => document.querySelector<HTMLInputElement>('input[name="peerproof-response"]')?.value ?? '',
    );
    const verdict = await redeem(t.baseUrl, site.secret, token);
    expect(verdict).toMatchObject({ success: true, level: 'liveness' });
    expect(await page.locator('[data-peerproof-liveness]').count()).toBe(0);
    return { attempts, solved: true };
  }

  it(
    `the cooperative tier-(i) visitor passes, every frame taken by the service and analysed, each attempt counted, and redeems as liveness (${COOPERATIVE_VISITS} visit(s))`,
    async () => {
      const outcomes: AttemptOutcome[] = [];
      let unsolved = 0;
      for (let k = 0; k < COOPERATIVE_VISITS; k++) {
        const { attempts, solved } = await cooperativeVisit();
        outcomes.push(...attempts);
        if (!solved) unsolved++;
        await Promise.all(contexts.splice(0).map((context) => context.close()));
      }
      const failed = outcomes.filter((outcome) => outcome.status !== 'passed');
      const reasons = new Map<string, number>();
      for (const reason of failed.flatMap((outcome) => outcome.reasons))
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      console.log(
        `liveness e2e, cooperative stand-in per attempt: ${outcomes.length - failed.length} of ${outcomes.length} passed ` +
          `over ${COOPERATIVE_VISITS} visit(s), ${unsolved} visit(s) unsolved after ${MAX_ATTEMPTS} attempts; ` +
          `failures' reasons: ${JSON.stringify(Object.fromEntries(reasons))}`,
      );
      // Every visit passes within the challenge's attempts.
      expect(unsolved).toBe(0);
    },
    COOPERATIVE_VISITS * MAX_ATTEMPTS * ATTEMPT_TIMEOUT_MS,
  );

  for (const [behaviour, who] of [
    ['puppet', 'rigid photo puppet'],
    ['static', 'static photo'],
  ] as const) {
    it(
      `the ${who} fails every attempt, and the widget ends in liveness-failed with no token`,
      async () => {
        const { page } = await visit(behaviour);
        const { state, attempts } = await playAttempts(page);
        log(who, attempts);
        expect(attempts).toHaveLength(MAX_ATTEMPTS);
        expect(attempts.map((outcome) => outcome.status)).toEqual(attempts.map(() => 'failed'));
        expect(state).toBe('error');
        expect(await page.locator('.peerproof-status').textContent()).toBe(TEXTS.failed);
        const field = await page.evaluate(
          () => document.querySelector<HTMLInputElement>('input[name="peerproof-response"]')?.value ?? '',
        );
        expect(field).toBe('');
      },
      MAX_ATTEMPTS * ATTEMPT_TIMEOUT_MS,
    );
  }
});
