import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import jpegJs from 'jpeg-js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FlashStep } from '../../src/protocol/liveness-plan';
import { FRAME_LIMITS, frameMacMessage } from '../../src/protocol/liveness-plan';
import type { LivenessChunk } from '../../widget/src/liveness-contract';
import { LIVENESS_TEXTS } from '../../widget/src/i18n-liveness';
import type { PageProblems } from '../support/browser';
import {
  PageServer,
  browserTestsEnabled,
  launchChromium,
  openPage,
  requireBuiltWidget,
  startWidgetService,
} from '../support/browser';
import { FACES_DIR } from '../support/liveness';
import type { RecordedAttempt } from '../support/liveness-conformance';
import { ConformanceResponder } from '../support/liveness-conformance';
import type { TestApp } from '../support/test-app';

/**
 * PROTOCOL CONFORMANCE of the liveness chunk (widget/dist/liveness.js) in a real Chromium, against the
 * in-test responder of test/support/liveness-conformance.ts: not the service, and no face is judged here.
 * What it checks is what the chunk sends: frames of the right side, baseline JPEGs that decode, within the
 * per-frame and per-attempt byte limits, MACs that node:crypto verifies under each step's key, indices and
 * times as the plan requires, every revealed step shown (prompts, flash colours) and the attempt ended on
 * `done`. The camera is a canvas stream of a still photo; the landmarker is MediaPipe's real WebAssembly.
 * The real service's verdicts on the real widget are test/browser/liveness-e2e.browser-spec.ts's.
 */

const describeBrowser = browserTestsEnabled() ? describe : describe.skip;
const CAPTURE_TIMEOUT_MS = 120_000;

interface CaptureOutcome {
  result: { proof?: { attempt: string }; error?: { name: string; code: string; hints?: string[] } };
  phases: string[];
  flashes: string[];
  prompts: string[];
  steps: string[];
  tracks: number;
  tracksLive: number;
  overlays: number;
}

describeBrowser('liveness chunk: protocol conformance against an in-test responder', () => {
  let browser: Browser;
  let t: TestApp;
  let pages: PageServer;
  let responder: ConformanceResponder;
  let chunkUrl: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [browser, t, pages] = await Promise.all([launchChromium(), startWidgetService(), PageServer.start()]);
    chunkUrl = await requireBuiltWidget(t, 'liveness.js');
    responder = await ConformanceResponder.start(`${t.baseUrl}/`);
    // What a site's CSP needs for the chunk (docs/widget.md); the responder stands where the service would.
    const services = `${t.baseUrl} ${responder.origin}`;
    pages.html(
      '/capture',
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Capture</title></head><body></body></html>',
      {
        'Content-Security-Policy':
          `default-src 'self'; script-src 'self' ${services} 'wasm-unsafe-eval'; ` +
          `connect-src 'self' ${services}; img-src 'self' data:`,
      },
    );
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await responder?.close();
    await pages?.close();
    await t?.close();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    responder.verdicts = [];
  });

  async function startCapture(
    camera: StillCameraConfig,
    maxAttempts = 3,
  ): Promise<{ page: Page; problems: PageProblems; requests: string[] }> {
    const { context, page, problems } = await openPage(browser);
    contexts.push(context);
    const requests: string[] = [];
    context.on('request', (request) => requests.push(request.url()));
    await context.addInitScript(installStillCamera, camera);
    await page.goto(pages.url('/capture'));
    const { failed, hints } = LIVENESS_TEXTS.en;
    await page.evaluate(
      async ({ url, options }) => {
        const { runLiveness } = (await import(url)) as LivenessChunk;
        const controller = new AbortController();
        const phases: string[] = [];
        const w = window as unknown as Record<string, unknown>;
        w.__abortCapture = () => controller.abort();
        w.__phases = phases;
        w.__capture = runLiveness({ ...options, signal: controller.signal, onPhase: (p) => phases.push(p) }).then(
          (proof) => ({ proof }),
          (error: { name: string; code: string; hints?: string[]; message: string }) => ({
            error: {
              name: error.name,
              code: error.code,
              ...(error.hints && { hints: error.hints }),
              // Why the chunk broke, when it did: it says so only in the error's message.
              ...(error.code === 'camera-failed' && { message: error.message }),
            },
          }),
        );
      },
      {
        url: chunkUrl,
        options: {
          challengeId: 'conformance',
          liveness: { maxAttempts },
          verdictTexts: { failed, hints, retry: 'Retry' },
          language: 'en',
          serviceBase: `${responder.origin}/`,
        },
      },
    );
    return { page, problems, requests };
  }

  async function outcome(page: Page): Promise<CaptureOutcome> {
    return page.evaluate(async () => {
      const w = window as unknown as Record<string, unknown>;
      const result = await (w.__capture as Promise<CaptureOutcome['result']>);
      const camera = w.__stillCamera as {
        tracks: MediaStreamTrack[];
        seen: { flash: string[]; prompt: string[]; step: string[] };
      };
      return {
        result,
        phases: w.__phases as string[],
        flashes: camera.seen.flash,
        prompts: camera.seen.prompt,
        steps: camera.seen.step,
        tracks: camera.tracks.length,
        tracksLive: camera.tracks.filter((track) => track.readyState === 'live').length,
        overlays: document.querySelectorAll('[data-peerproof-liveness]').length,
      };
    });
  }

  const start = (page: Page) => page.click('[data-peerproof-liveness] button[data-action="start"]');

  it('plays one attempt step by step: conforming frames, every step shown, the attempt as proof', async () => {
    const before = responder.attempts.length;
    const { page, problems } = await startCapture(stillCamera());
    await start(page);
    const { result, phases, flashes, prompts, steps, tracks, tracksLive, overlays } = await outcome(page);
    expect(result.error).toBeUndefined();
    const attempts = responder.attempts.slice(before);
    expect(attempts).toHaveLength(1);
    const [attempt] = attempts;
    expect(result.proof).toEqual({ attempt: attempt.id });
    expect(phases).toEqual(['intro', 'camera', 'guidance', 'script', 'done']);
    const stats = expectConformingAttempt(attempt);
    console.log(
      `conformance: ${stats.frames} frames, ${stats.bytes} JPEG bytes in the attempt ` +
        `(${Math.round(stats.bytes / stats.frames)} a frame, largest ${stats.largest}), ` +
        `${stats.fps.toFixed(1)} frames/s, widest gap ${stats.widestGap} ms`,
    );

    // Every revealed step was shown: the prompts in order, the flash colours in order.
    const planPrompts = attempt.plan.flatMap((step) => (step.kind === 'prompt' ? [step.action] : []));
    expect(prompts).toEqual(planPrompts);
    const flashStep = attempt.plan.find((step): step is FlashStep => step.kind === 'flashes')!;
    expect(flashes).toEqual(flashStep.flashes.map((flash) => flash.rgb.join(',')));
    expect(steps).toEqual(attempt.plan.map((step) => step.kind));
    expect({ tracks, tracksLive, overlays }).toEqual({ tracks: 1, tracksLive: 0, overlays: 0 });
    expect({ errors: problems.pageErrors, csp: problems.cspViolations, blocked: problems.blockedRequests }).toEqual({
      errors: [],
      csp: [],
      blocked: [],
    });
  });

  it('shows a failed verdict’s hints with Retry, and Retry plays a new attempt', async () => {
    const before = responder.attempts.length;
    responder.verdicts = [{ passed: false, hints: ['prompts-missed', 'flash-not-reflected'] }];
    const { page } = await startCapture(stillCamera());
    await start(page);
    const host = page.locator('[data-peerproof-liveness][data-phase="retry"]');
    await host.waitFor({ timeout: CAPTURE_TIMEOUT_MS });
    const hints = await page.locator('[data-peerproof-liveness] .hints li').allTextContents();
    expect(hints).toEqual([LIVENESS_TEXTS.en.hints['prompts-missed'], LIVENESS_TEXTS.en.hints['flash-not-reflected']]);
    await page.click('[data-peerproof-liveness] button[data-action="retry"]');
    const { result, phases } = await outcome(page);
    const attempts = responder.attempts.slice(before);
    expect(attempts.map((attempt) => attempt.passed)).toEqual([false, true]);
    expect(result.proof).toEqual({ attempt: attempts[1].id });
    expect(phases).toEqual(['intro', 'camera', 'guidance', 'script', 'guidance', 'script', 'done']);
    // The new attempt's frames are its own: indices start again, MACs under the new attempt's keys.
    for (const attempt of attempts) expectConformingAttempt(attempt);
  });

  it('rejects with liveness-failed and the hints when no attempt is left', async () => {
    responder.verdicts = [{ passed: false, hints: ['face-not-found'] }];
    const { page } = await startCapture(stillCamera(), 1);
    await start(page);
    const { result, overlays, tracksLive } = await outcome(page);
    expect(result.error).toEqual({ name: 'LivenessServiceError', code: 'liveness-failed', hints: ['face-not-found'] });
    expect({ overlays, tracksLive }).toEqual({ overlays: 0, tracksLive: 0 });
  });

  it('rejects with capture-cancelled when the visitor cancels mid-attempt, stopping the camera', async () => {
    const { page } = await startCapture(stillCamera());
    await start(page);
    await page.waitForSelector('[data-peerproof-liveness][data-step]', { timeout: CAPTURE_TIMEOUT_MS });
    await page.click('[data-peerproof-liveness] button[data-action="cancel"]');
    const { result, overlays, tracks, tracksLive } = await outcome(page);
    expect(result.error).toEqual({ name: 'LivenessCaptureError', code: 'capture-cancelled' });
    expect({ overlays, tracks, tracksLive }).toEqual({ overlays: 0, tracks: 1, tracksLive: 0 });
  });

  it('rejects with camera-denied when the visitor refuses the camera, and removes the overlay', async () => {
    const { page } = await startCapture(stillCamera({ error: 'NotAllowedError' }));
    await start(page);
    const { result, overlays, phases } = await outcome(page);
    expect(result.error).toEqual({ name: 'LivenessCaptureError', code: 'camera-denied' });
    expect(overlays).toBe(0);
    expect(phases).toEqual(['intro', 'camera']);
  });
});

/** Checks every frame of an attempt against the plan's frame format and limits; returns its figures. */
function expectConformingAttempt(attempt: RecordedAttempt) {
  expect(attempt.steps.map((recorded) => recorded.step.index)).toEqual(attempt.plan.map((step) => step.index));
  let bytes = 0;
  let largest = 0;
  let lastIndex = -1;
  let widestGap = 0;
  let frames = 0;
  let capturedMs = 0;
  for (const { step, key, frames: posted } of attempt.steps) {
    expect(posted.length).toBeGreaterThan(0);
    expect(posted.length).toBeLessThanOrEqual(FRAME_LIMITS.maxFramesPerStep);
    let lastT = -1;
    for (const frame of posted) {
      expect(Object.keys(frame).sort()).toEqual(['i', 'jpeg', 'mac', 't']);
      expect(Number.isInteger(frame.i) && Number.isInteger(frame.t)).toBe(true);
      expect(frame.i).toBeGreaterThan(lastIndex);
      expect(frame.t).toBeGreaterThan(lastT);
      expect(frame.t).toBeGreaterThanOrEqual(0);
      expect(frame.t).toBeLessThanOrEqual(step.durationMs + FRAME_LIMITS.overrunMs);
      if (lastT >= 0) {
        expect(frame.t - lastT).toBeGreaterThanOrEqual(FRAME_LIMITS.minGapMs);
        widestGap = Math.max(widestGap, frame.t - lastT);
      }
      const jpeg = Buffer.from(frame.jpeg, 'base64');
      expect(jpeg.length).toBeLessThanOrEqual(FRAME_LIMITS.maxJpegBytes);
      expectBaselineJpeg(jpeg);
      const digest = createHash('sha256').update(jpeg).digest('hex');
      const mac = createHmac('sha256', key)
        .update(frameMacMessage(attempt.id, step.index, frame.i, frame.t, digest))
        .digest('base64url');
      expect(frame.mac).toBe(mac);
      bytes += jpeg.length;
      largest = Math.max(largest, jpeg.length);
      [lastIndex, lastT] = [frame.i, frame.t];
    }
    // A frame near each end of the step, as the plan requires.
    expect(posted[0].t).toBeLessThanOrEqual(FRAME_LIMITS.edgeMs);
    expect(posted.at(-1)!.t).toBeGreaterThanOrEqual(step.durationMs - FRAME_LIMITS.edgeMs);
    frames += posted.length;
    capturedMs += step.durationMs;
  }
  expect(bytes).toBeLessThanOrEqual(FRAME_LIMITS.maxAttemptBytes);
  return { frames, bytes, largest, widestGap, fps: (frames * 1000) / capturedMs };
}

/** SOI, a baseline frame header (SOF0, no progressive SOF2), a square of the plan's side, and it decodes. */
function expectBaselineJpeg(jpeg: Buffer): void {
  expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
  const markers = new Set<number>();
  for (let offset = 2; offset + 4 <= jpeg.length && jpeg[offset] === 0xff;) {
    const marker = jpeg[offset + 1];
    markers.add(marker);
    if (marker === 0xda) break;
    offset += 2 + jpeg.readUInt16BE(offset + 2);
  }
  expect(markers.has(0xc0)).toBe(true);
  expect(markers.has(0xc2)).toBe(false);
  const image = jpegJs.decode(jpeg, { useTArray: true });
  expect([image.width, image.height]).toEqual([FRAME_LIMITS.side, FRAME_LIMITS.side]);
}

interface StillCameraConfig {
  image: string;
  /** getUserMedia rejects with a DOMException of this name instead. */
  error?: string;
  draw: { x: number; y: number; w: number; h: number };
}

/** The astronaut portrait drawn with her face in the middle of the frame, about a quarter of its width. */
function stillCamera(overrides: Partial<StillCameraConfig> = {}): StillCameraConfig {
  const image = `data:image/jpeg;base64,${fs.readFileSync(path.join(FACES_DIR, 'astronaut.jpg')).toString('base64')}`;
  const [scale, cx, cy] = [1.6, 179 + 45, 63 + 55];
  return { image, draw: { x: 320 - cx * scale, y: 240 - cy * scale, w: 512 * scale, h: 512 * scale }, ...overrides };
}

/**
 * Runs in the page before its scripts: getUserMedia answers a 640×480 canvas stream of the photo (or the
 * configured error), and a MutationObserver records every step, prompt and flash colour the overlay shows.
 */
function installStillCamera(config: StillCameraConfig): void {
  const seen = { flash: [] as string[], prompt: [] as string[], step: [] as string[] };
  const state = { tracks: [] as MediaStreamTrack[], seen };
  Object.defineProperty(window, '__stillCamera', { value: state });
  const names: Record<string, keyof typeof seen> = {
    'data-flash': 'flash',
    'data-prompt': 'prompt',
    'data-step': 'step',
  };
  const last: Record<string, string | null> = {};
  new MutationObserver((records) => {
    for (const record of records) {
      const name = names[record.attributeName!];
      const value = (record.target as Element).getAttribute(record.attributeName!);
      // A value after a removal counts again: two prompt steps in a row are two steps.
      if (value !== null && last[name] !== value) seen[name].push(value);
      last[name] = value;
    }
  }).observe(document, { subtree: true, attributeFilter: Object.keys(names) });
  if (!navigator.mediaDevices) return;
  navigator.mediaDevices.getUserMedia = async () => {
    if (config.error) throw new DOMException('still camera', config.error);
    const image = new Image();
    image.src = config.image;
    await image.decode();
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [640, 480];
    const context = canvas.getContext('2d')!;
    const stream = canvas.captureStream(30);
    state.tracks.push(...stream.getTracks());
    let frame = 0;
    const draw = () => {
      context.fillStyle = '#808080';
      context.fillRect(0, 0, 640, 480);
      context.drawImage(image, config.draw.x, config.draw.y, config.draw.w, config.draw.h);
      // A pixel that changes every time, so the stream always has a new frame.
      context.fillStyle = `rgb(${frame++ % 256},128,128)`;
      context.fillRect(0, 0, 1, 1);
      if (stream.getVideoTracks()[0].readyState === 'live') requestAnimationFrame(draw);
    };
    draw();
    return stream;
  };
}
