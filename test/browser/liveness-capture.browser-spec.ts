import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { OnnxAdapter } from '../../src/adapters/onnx.adapter';
import { ACTION_RULES } from '../../src/liveness/checks/prompts.check';
import type { LivenessScript } from '../../src/protocol/liveness';
import { deriveLivenessScript, livenessEvidenceSchema } from '../../src/protocol/liveness';
import type { LivenessChallengeDto } from '../../src/protocol/challenge-wire';
import type { LivenessEvidence } from '../../src/protocol/liveness';
import type { LivenessChunk } from '../../widget/src/liveness-contract';
import type { PageProblems } from '../support/browser';
import {
  PageServer,
  browserTestsEnabled,
  launchChromium,
  openPage,
  requireBuiltWidget,
  startWidgetService,
} from '../support/browser';
import { createSite } from '../support/fixtures';
import { FACES_DIR } from '../support/liveness';
import { solveChallenge } from '../support/solver';
import type { TestApp } from '../support/test-app';

/**
 * The liveness chunk (widget/dist/liveness.js) in a real Chromium: a page of the embedding site imports it
 * from the service and runs it against a fake camera, a canvas stream of a face photo, with the real
 * FaceLandmarker on MediaPipe's WebAssembly. The visitor is played through the overlay's data attributes.
 */

const describeBrowser = browserTestsEnabled() ? describe : describe.skip;

/** Loading 11 MB of WebAssembly, the guidance and a script of up to 14.6 s. */
const CAPTURE_TIMEOUT_MS = 90_000;
const NONCE = '00112233445566778899aabbccddeeff';
interface Photo {
  file: string;
  width: number;
  height: number;
  /** The face box as UltraFace finds it, in the photo's pixels (after EXIF rotation). */
  face: { x: number; y: number; w: number; h: number };
  /** Drawn at this scale, the face is about a quarter of the 640×480 frame's width: inside the guidance. */
  scale: number;
}

/** A portrait facing the camera. */
const ASTRONAUT: Photo = {
  file: 'astronaut.jpg',
  width: 512,
  height: 512,
  face: { x: 179, y: 63, w: 90, h: 110 },
  scale: 1.6,
};
/**
 * A live face turned to the person's own left: in the unmirrored photo the nose tip (landmark 1) is 40 px
 * right of the cheeks' midpoint (landmarks 234 and 454), as MediaPipe's landmarks put them.
 */
const TURNED: Photo = {
  file: 'image_T1.jpg',
  width: 480,
  height: 640,
  face: { x: 122, y: 108, w: 175, h: 251 },
  scale: 0.85,
};

interface FakeCameraConfig {
  image: string;
  /** getUserMedia rejects with a DOMException of this name instead. */
  error?: string;
  /** Draws the photo flipped left to right: the same face turned the other way. */
  mirrored?: boolean;
  draw: { x: number; y: number; w: number; h: number };
}

/** What the page recorded; the chunk's own result under `result`. */
interface CaptureOutcome {
  result: { evidence?: LivenessEvidence; error?: { name: string; code: string } };
  phases: string[];
  flashes: string[];
  prompts: string[];
  tracksLive: number;
  tracks: number;
  overlays: number;
}

describeBrowser('liveness capture chunk in Chromium', () => {
  let browser: Browser;
  let t: TestApp;
  let pages: PageServer;
  let chunkUrl: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [browser, t, pages] = await Promise.all([launchChromium(), startWidgetService(), PageServer.start()]);
    chunkUrl = await requireBuiltWidget(t, 'liveness.js');
    // What a site's CSP needs for the chunk (docs/widget.md): the service's scripts, WebAssembly, fetches.
    // (img-src data: is the fake camera's, which draws its photo from a data: URL.)
    pages.html(
      '/capture',
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Capture</title></head><body></body></html>',
      {
        'Content-Security-Policy':
          `default-src 'self'; script-src 'self' ${t.baseUrl} 'wasm-unsafe-eval'; ` +
          `connect-src 'self' ${t.baseUrl}; img-src 'self' data:`,
      },
    );
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await t?.close();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  /** The photo drawn with its face in the middle of the frame. */
  function cameraConfig(overrides: Partial<FakeCameraConfig> = {}, photo: Photo = ASTRONAUT): FakeCameraConfig {
    const image = `data:image/jpeg;base64,${fs.readFileSync(path.join(FACES_DIR, photo.file)).toString('base64')}`;
    const { face, scale } = photo;
    const [cx, cy] = [face.x + face.w / 2, face.y + face.h / 2];
    const draw = { x: 320 - cx * scale, y: 240 - cy * scale, w: photo.width * scale, h: photo.height * scale };
    return { image, draw, ...overrides };
  }

  /** A page with the fake camera, every request it makes recorded, and the chunk started on it. */
  async function startCapture(
    camera: FakeCameraConfig,
    challenge: LivenessChallengeDto = challengeFor(NONCE),
  ): Promise<{ page: Page; problems: PageProblems; requests: string[] }> {
    const { context, page, problems } = await openPage(browser);
    contexts.push(context);
    const requests: string[] = [];
    context.on('request', (request) => requests.push(request.url()));
    await context.addInitScript(installFakeCamera, camera);
    await page.goto(pages.url('/capture'));
    await page.evaluate(
      async ({ url, options }) => {
        const { runLiveness } = (await import(url)) as LivenessChunk;
        const controller = new AbortController();
        const phases: string[] = [];
        const w = window as unknown as Record<string, unknown>;
        w.__abortCapture = () => controller.abort();
        w.__phases = phases;
        w.__capture = runLiveness({ ...options, signal: controller.signal, onPhase: (p) => phases.push(p) }).then(
          (evidence) => ({ evidence }),
          (error: { name: string; code: string }) => ({ error: { name: error.name, code: error.code } }),
        );
      },
      { url: chunkUrl, options: { challenge, language: 'en', serviceBase: `${t.baseUrl}/` } },
    );
    return { page, problems, requests };
  }

  async function outcome(page: Page): Promise<CaptureOutcome> {
    return page.evaluate(async () => {
      const w = window as unknown as Record<string, unknown>;
      const result = await (w.__capture as Promise<CaptureOutcome['result']>);
      const camera = w.__fakeCamera as { tracks: MediaStreamTrack[]; seen: { flash: string[]; prompt: string[] } };
      return {
        result,
        phases: w.__phases as string[],
        flashes: camera.seen.flash,
        prompts: camera.seen.prompt,
        tracks: camera.tracks.length,
        tracksLive: camera.tracks.filter((track) => track.readyState === 'live').length,
        overlays: document.querySelectorAll('[data-peerproof-liveness]').length,
      };
    });
  }

  const overlay = (page: Page) => page.locator('[data-peerproof-liveness]');

  it('captures evidence of one face from the service alone: valid, with the script’s crops and flashes', async () => {
    const { page, problems, requests } = await startCapture(cameraConfig());
    await overlay(page).waitFor({ state: 'attached' });
    expect(await overlay(page).getAttribute('data-phase')).toBe('intro');
    // Keyboard users land on the start button, after the intro's photosensitivity warning.
    expect(
      await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.getAttribute('data-action')),
    ).toBe('start');
    expect(await page.locator('[data-peerproof-liveness] [role="dialog"]').count()).toBe(1);
    await page.click('[data-peerproof-liveness] button[data-action="start"]');
    // The start button goes: the focus stays in the dialog, on Cancel.
    expect(
      await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.getAttribute('data-action')),
    ).toBe('cancel');

    const { result, phases, flashes, prompts, tracks, tracksLive, overlays } = await outcome(page);
    expect(result.error).toBeUndefined();
    const evidence = result.evidence!;
    const script = deriveLivenessScript(NONCE);
    expect(livenessEvidenceSchema.safeParse(evidence).error).toBeUndefined();
    expect(evidence.nonce).toBe(NONCE);
    // A loaded machine may spoil a take (a frame gap, a late crop): the chunk then plays the script again
    // from the guidance, and sends the third take whatever happens.
    expect(phases.join()).toMatch(/^intro,camera,(guidance,script,){1,3}done$/);
    const plays = phases.filter((phase) => phase === 'script').length;
    // Frames from before the first prompt to after the last capture, never more than 400 ms apart.
    expect(evidence.frames[0].t).toBeLessThan(script.prompts[0].start);
    expect(evidence.frames.at(-1)!.t).toBeGreaterThan(script.captures.at(-1)!.t);
    const gaps = evidence.frames.slice(1).map((frame, i) => frame.t - evidence.frames[i].t);
    if (plays < 3) {
      expectCropsOnSchedule(evidence, script);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(400);
    }
    // The photo faces the camera: no pose near ±180° from a misread matrix.
    for (const frame of evidence.frames) {
      expect(Math.abs(frame.yaw)).toBeLessThan(25);
      expect(Math.abs(frame.pitch)).toBeLessThan(25);
    }
    // The face box is where the fake camera put it: centred, about a quarter of the frame wide.
    const box = evidence.frames[0].box;
    expect(Math.abs(box.x + box.w / 2 - 0.5)).toBeLessThan(0.08);
    expect(box.w).toBeGreaterThan(0.15);
    expect(box.w).toBeLessThan(0.35);

    // The take that was sent showed the whole script, in order.
    expect(flashes.slice(-script.flashes.length)).toEqual(script.flashes.map((flash) => flash.rgb.join(',')));
    expect(prompts.slice(-script.prompts.length)).toEqual(script.prompts.map((prompt) => prompt.action));
    expect({ tracks, tracksLive, overlays }).toEqual({ tracks: 1, tracksLive: 0, overlays: 0 });

    const serviceOrigin = new URL(t.baseUrl).origin;
    const origins = new Set(requests.filter((url) => !url.startsWith('data:')).map((url) => new URL(url).origin));
    expect([...origins].sort()).toEqual([pages.origin, serviceOrigin].sort());
    const files = requests.filter((url) => url.startsWith(`${t.baseUrl}/widget/mediapipe/`)).map(fileKind);
    expect(files.sort()).toEqual(['.js', '.task', '.wasm']);
    expect({ errors: problems.pageErrors, csp: problems.cspViolations, blocked: problems.blockedRequests }).toEqual({
      errors: [],
      csp: [],
      blocked: [],
    });
  });

  it('plays the script again from the guidance when the page stalls mid-script, and the evidence stays valid', async () => {
    const { page } = await startCapture(cameraConfig());
    await page.click('[data-peerproof-liveness] button[data-action="start"]');
    await page.waitForSelector('[data-peerproof-liveness][data-phase="script"]', { timeout: CAPTURE_TIMEOUT_MS });
    // As a hidden tab or a frozen device would: no animation frame for 1.5 s.
    await page.evaluate(() => {
      const until = performance.now() + 1500;
      while (performance.now() < until);
    });
    const { result, phases } = await outcome(page);
    // A loaded machine may spoil a take once more by itself: the third play is sent, whatever happens.
    expect(phases.join()).toMatch(/^intro,camera,guidance,script,(guidance,script,){1,2}done$/);
    const plays = phases.filter((phase) => phase === 'script').length;
    expect(livenessEvidenceSchema.safeParse(result.evidence).error).toBeUndefined();
    // A replayed take keeps no hole: the evidence meets the service's timing rules.
    const frames = result.evidence!.frames;
    const gaps = frames.slice(1).map((frame, i) => frame.t - frames[i].t);
    if (plays < 3) {
      expect(Math.max(...gaps)).toBeLessThanOrEqual(400);
      expectCropsOnSchedule(result.evidence!, deriveLivenessScript(NONCE));
    }
  });

  it('rejects with camera-denied when the visitor refuses the camera, and removes the overlay', async () => {
    const { page } = await startCapture(cameraConfig({ error: 'NotAllowedError' }));
    await page.click('[data-peerproof-liveness] button[data-action="start"]');
    const { result, overlays, phases } = await outcome(page);
    expect(result).toEqual({ error: { name: 'LivenessCaptureError', code: 'camera-denied' } });
    expect(overlays).toBe(0);
    expect(phases).toEqual(['intro', 'camera']);
  });

  it('rejects with capture-cancelled on abort, stopping the camera mid-script', async () => {
    const { page } = await startCapture(cameraConfig());
    await page.click('[data-peerproof-liveness] button[data-action="start"]');
    await page.waitForSelector('[data-peerproof-liveness][data-phase="script"]', { timeout: CAPTURE_TIMEOUT_MS });
    await page.evaluate(() => (window as unknown as { __abortCapture(): void }).__abortCapture());
    const { result, overlays, tracks, tracksLive } = await outcome(page);
    expect(result).toEqual({ error: { name: 'LivenessCaptureError', code: 'capture-cancelled' } });
    expect({ overlays, tracks, tracksLive }).toEqual({ overlays: 0, tracks: 1, tracksLive: 0 });
  });

  it('rejects with capture-cancelled when the visitor presses the overlay’s cancel button', async () => {
    const { page } = await startCapture(cameraConfig());
    await page.click('[data-peerproof-liveness] button[data-action="cancel"]');
    const { result, overlays, tracks } = await outcome(page);
    expect(result).toEqual({ error: { name: 'LivenessCaptureError', code: 'capture-cancelled' } });
    expect({ overlays, tracks }).toEqual({ overlays: 0, tracks: 0 });
  });

  it('reads a head turned to the person’s own left as positive yaw, and its mirror image as negative', async () => {
    const yaws: number[] = [];
    for (const mirrored of [false, true]) {
      const { page } = await startCapture(cameraConfig({ mirrored }, TURNED));
      await page.click('[data-peerproof-liveness] button[data-action="start"]');
      const { result } = await outcome(page);
      const frames = result.evidence!.frames;
      yaws.push(frames.reduce((sum, frame) => sum + frame.yaw, 0) / frames.length);
    }
    // Turned to her own left (yaw > 0, as the service's turn-left rule reads it); mirrored, to her right.
    expect(yaws[0]).toBeGreaterThan(ACTION_RULES['turn-left'].rest);
    expect(yaws[1]).toBeLessThan(-ACTION_RULES['turn-right'].rest);
  });

  it('passes the service’s structure and face checks with a real challenge', async () => {
    const site = await createSite(t, { level: 'liveness', difficulty: 'easy', hostnames: ['localhost'] });
    const issued = await fetch(`${t.baseUrl}/api/v1/challenges`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: pages.origin },
      body: JSON.stringify({ sitekey: site.sitekey }),
    });
    const challenge = (await issued.json()) as {
      id: string;
      liveness: LivenessChallengeDto;
      inference: Parameters<typeof solveChallenge>[1];
    };
    const { page } = await startCapture(cameraConfig(), challenge.liveness);
    await page.click('[data-peerproof-liveness] button[data-action="start"]');
    const { result } = await outcome(page);
    const outputs = await solveChallenge(t.app.get(OnnxAdapter), challenge.inference);

    const answer = await fetch(`${t.baseUrl}/api/v1/challenges/${challenge.id}/solution`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: pages.origin },
      body: JSON.stringify({ outputs, liveness: result.evidence }),
    });
    const body = (await answer.json()) as { status: string; reason?: string; hints?: string[] };
    expect(answer.status).toBe(200);
    // A still photo follows no prompt and reflects no flash; but the evidence is well-formed and the
    // service's own detector finds the landmarker's face in every crop.
    expect(body).toMatchObject({ status: 'failed', reason: 'liveness-failed' });
    expect(body.hints).not.toContain('evidence-invalid');
    expect(body.hints).not.toContain('face-not-found');
  });
});

function challengeFor(nonce: string): LivenessChallengeDto {
  return { version: 2, maxAttempts: 3, nonce, script: deriveLivenessScript(nonce), fallback: false };
}

function expectCropsOnSchedule(evidence: LivenessEvidence, script: LivenessScript): void {
  expect(evidence.crops).toHaveLength(script.captures.length);
  evidence.crops.forEach((crop, i) => {
    expect(crop.flashIndex).toBe(script.captures[i].flashIndex);
    expect(Math.abs(crop.t - script.captures[i].t)).toBeLessThanOrEqual(150);
    const jpeg = Buffer.from(crop.jpeg, 'base64');
    expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  });
}

function fileKind(url: string): string {
  return path.extname(new URL(url).pathname);
}

/**
 * Runs in the page before its scripts: getUserMedia answers a 640×480 canvas stream of the photo (or the
 * configured error), and a MutationObserver records every flash colour and prompt the overlay shows.
 */
function installFakeCamera(config: FakeCameraConfig): void {
  const state = { tracks: [] as MediaStreamTrack[], seen: { flash: [] as string[], prompt: [] as string[] } };
  Object.defineProperty(window, '__fakeCamera', { value: state });
  new MutationObserver((records) => {
    for (const record of records) {
      const target = record.target as Element;
      const name = record.attributeName === 'data-flash' ? 'flash' : 'prompt';
      const value = target.getAttribute(record.attributeName!);
      if (value !== null && state.seen[name].at(-1) !== value) state.seen[name].push(value);
    }
  }).observe(document, { subtree: true, attributeFilter: ['data-flash', 'data-prompt'] });
  if (!navigator.mediaDevices) return;
  navigator.mediaDevices.getUserMedia = async () => {
    if (config.error) throw new DOMException('fake camera', config.error);
    const image = new Image();
    image.src = config.image;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const context = canvas.getContext('2d')!;
    const stream = canvas.captureStream(30);
    state.tracks.push(...stream.getTracks());
    let frame = 0;
    const draw = () => {
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.fillStyle = '#808080';
      context.fillRect(0, 0, 640, 480);
      if (config.mirrored) context.setTransform(-1, 0, 0, 1, 640, 0);
      context.drawImage(image, config.draw.x, config.draw.y, config.draw.w, config.draw.h);
      // A pixel that changes every time, so the stream always has a new frame.
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.fillStyle = `rgb(${frame++ % 256},128,128)`;
      context.fillRect(0, 0, 1, 1);
      if (stream.getVideoTracks()[0].readyState === 'live') requestAnimationFrame(draw);
    };
    draw();
    return stream;
  };
}
