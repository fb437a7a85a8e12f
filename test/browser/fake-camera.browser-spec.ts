import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PageServer, browserTestsEnabled, launchChromium, openPage } from '../support/browser';
import type { FakeCameraBehaviour, FakeCameraConfig } from '../support/fake-camera';
import { GRID_FACE, installFakeCamera } from '../support/fake-camera';
import { ServerEngine } from '../support/server-engine-frames';
import type { FaceMeasures } from '../../src/liveness/analysis/face-analyzer';
import type { PromptAction } from '../../src/protocol/liveness-plan';
import { PROMPT_REACTION_MS, promptProgress } from '../../src/liveness/checks/prompt.check';

/**
 * The simulated camera is honest: MediaPipe's FaceLandmarker (the model and runtime the liveness chunk
 * uses), running on the camera's stream in Chromium, sees one face at rest, and reads the turns and the
 * look-up as the head poses the liveness prompts ask for, with the sign convention of docs/liveness.md;
 * the cooperative (tier-(i)) visitor's blinks, smiles and open mouth move MediaPipe's blendshapes, the
 * rigid puppet's do not; the flash light falls on the face more than on the room, after the camera's
 * latency. If these fail, the end-to-end liveness tests would prove nothing about the widget.
 */

const describeBrowser = browserTestsEnabled() ? describe : describe.skip;

const MEDIAPIPE_DIR = path.resolve('node_modules/@mediapipe/tasks-vision');
const LANDMARKER_MODEL = path.resolve('models/face_landmarker.task');
const PHOTO = path.resolve('test/fixtures/live-faces/grid/bbaf2n/frame_000.jpg');
/** The camera's movements follow the wall clock: ~300 ms of reaction, then ~0.5 s to settle. */
const SETTLE_MS = 1500;

/** What the landmarker saw in one video frame. */
interface FrameReading {
  faces: number;
  /** Degrees, from the facial transformation matrix: yaw > 0 = turned to the person's own left. */
  yaw: number;
  /** Degrees; > 0 = looking up. */
  pitch: number;
  /** The nose tip's offset from the centre of the face's outline, in face widths (> 0 = right of the image). */
  noseOffset: number;
  /** Mean RGB (0–255) of the face's centre, and of the frame's upper corners (the room). */
  faceColour: number[];
  roomColour: number[];
  /** MediaPipe's blendshapes: mean of both eyes' eyeBlink, of both mouthSmile, and jawOpen (0–1). */
  blink: number;
  smile: number;
  jawOpen: number;
}

/** The median of the frames with a face (NaN without any). */
function median(values: number[]): number {
  const seen = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  return seen.length === 0 ? NaN : seen[Math.floor(seen.length / 2)];
}
const chroma = (rgb: number[]) => rgb.map((c) => c / (rgb[0] + rgb[1] + rgb[2]));

describeBrowser('simulated camera under MediaPipe FaceLandmarker', () => {
  let browser: Browser;
  let pages: PageServer;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [browser, pages] = await Promise.all([launchChromium(), PageServer.start()]);
    const file = (pathname: string, source: string, contentType: string) =>
      pages.route(pathname, () => ({ contentType, body: fs.readFileSync(source) }));
    file('/mediapipe/vision_bundle.mjs', path.join(MEDIAPIPE_DIR, 'vision_bundle.mjs'), 'text/javascript');
    for (const name of ['vision_wasm_internal.js', 'vision_wasm_internal.wasm']) {
      const type = name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      file(`/mediapipe/wasm/${name}`, path.join(MEDIAPIPE_DIR, 'wasm', name), type);
    }
    file('/models/face_landmarker.task', LANDMARKER_MODEL, 'application/octet-stream');
    // The stand-in for the liveness overlay: the simulated visitor reads its data-prompt and data-flash.
    pages.html(
      '/probe',
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Probe</title></head><body>' +
        '<div data-peerproof-liveness data-phase="intro"></div><video muted playsinline></video></body></html>',
    );
  });

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  async function openCamera(
    behaviour: FakeCameraBehaviour,
    start: () => Promise<void> = startLandmarker,
  ): Promise<Page> {
    const { context, page, problems } = await openPage(browser);
    contexts.push(context);
    const photoUrl = `data:image/jpeg;base64,${fs.readFileSync(PHOTO).toString('base64')}`;
    const config: FakeCameraConfig = { behaviour, photoUrl, face: GRID_FACE, zoom: 0.85 };
    await context.addInitScript(installFakeCamera, config);
    await page.goto(pages.url('/probe'));
    await page.evaluate(start);
    expect(problems.pageErrors).toEqual([]);
    return page;
  }

  /** Runs in the page: the camera into the video element, and FaceLandmarker in VIDEO mode on its frames. */
  async function startLandmarker(): Promise<void> {
    const vision = await import('/mediapipe/vision_bundle.mjs' as string);
    const fileset = await vision.FilesetResolver.forVisionTasks('/mediapipe/wasm');
    const landmarker = await vision.FaceLandmarker.createFromOptions(fileset, {
      baseOptions: { modelAssetPath: '/models/face_landmarker.task', delegate: 'CPU' },
      runningMode: 'VIDEO',
      numFaces: 2,
      outputFacialTransformationMatrixes: true,
      outputFaceBlendshapes: true,
    });
    const video = document.querySelector('video')!;
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    await video.play();
    const snapshot = document.createElement('canvas');
    [snapshot.width, snapshot.height] = [video.videoWidth, video.videoHeight];
    const pixels = snapshot.getContext('2d', { willReadFrequently: true })!;
    const meanColour = (x: number, y: number, w: number, h: number) => {
      const data = pixels.getImageData(Math.round(x), Math.round(y), Math.round(w), Math.round(h)).data;
      const sum = [0, 0, 0];
      for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
      return sum.map((s) => s / (data.length / 4));
    };
    const read = (): FrameReading => {
      pixels.drawImage(video, 0, 0);
      const result = landmarker.detectForVideo(video, performance.now());
      const faces = result.faceLandmarks.length;
      const [width, height] = [snapshot.width, snapshot.height];
      const roomColour = meanColour(0, 0, width * 0.1, height * 0.3).map(
        (c, i) => (c + meanColour(width * 0.9, 0, width * 0.1, height * 0.3)[i]) / 2,
      );
      if (faces === 0) {
        return {
          faces,
          yaw: NaN,
          pitch: NaN,
          noseOffset: NaN,
          faceColour: [],
          roomColour,
          blink: NaN,
          smile: NaN,
          jawOpen: NaN,
        };
      }
      const scores: Record<string, number> = Object.fromEntries(
        result.faceBlendshapes[0].categories.map((c: { categoryName: string; score: number }) => [
          c.categoryName,
          c.score,
        ]),
      );
      // Column-major 4×4; its third column is where the face's forward axis points in camera space.
      const m: number[] = result.facialTransformationMatrixes[0].data;
      const [fx, fy, fz] = [m[8], m[9], m[10]];
      const points: { x: number; y: number }[] = result.faceLandmarks[0];
      const xs = points.map((p) => p.x);
      const ys = points.map((p) => p.y);
      const [left, right, top, bottom] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      const [w, h] = [(right - left) * width, (bottom - top) * height];
      return {
        faces,
        yaw: (Math.atan2(fx, fz) * 180) / Math.PI,
        pitch: (Math.asin(fy) * 180) / Math.PI,
        noseOffset: (points[1].x - (left + right) / 2) / (right - left),
        faceColour: meanColour(left * width + w / 4, top * height + h / 4, w / 2, h / 2),
        roomColour,
        blink: (scores.eyeBlinkLeft + scores.eyeBlinkRight) / 2,
        smile: (scores.mouthSmileLeft + scores.mouthSmileRight) / 2,
        jawOpen: scores.jawOpen,
      };
    };
    const measure = async (count: number): Promise<FrameReading[]> => {
      const readings: FrameReading[] = [];
      while (readings.length < count) {
        await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
        readings.push(read());
      }
      return readings;
    };
    Object.defineProperty(window, '__measure', { value: measure });
  }

  function measure(page: Page, count = 5): Promise<FrameReading[]> {
    return page.evaluate((n) => (window as unknown as { __measure(n: number): FrameReading[] }).__measure(n), count);
  }

  /** Sets (or clears, with null) an attribute of the overlay stand-in, and waits for the visitor to react. */
  async function show(page: Page, attribute: 'data-prompt' | 'data-flash' | 'data-phase', value: string | null) {
    await page.evaluate(
      ([name, wanted]) => {
        const host = document.querySelector('[data-peerproof-liveness]')!;
        if (wanted === null) host.removeAttribute(name);
        else host.setAttribute(name, wanted);
      },
      [attribute, value] as const,
    );
    await page.waitForTimeout(SETTLE_MS);
  }

  const pose = (readings: FrameReading[]) => ({
    faces: readings.map((r) => r.faces),
    yaw: median(readings.map((r) => r.yaw)),
    pitch: median(readings.map((r) => r.pitch)),
    noseOffset: median(readings.map((r) => r.noseOffset)),
  });

  it('a cooperative visitor rests facing the camera, turns and looks up past the prompt thresholds, and returns', async () => {
    const page = await openCamera('cooperative');
    const rest = pose(await measure(page));
    await show(page, 'data-prompt', 'turn-left');
    const left = pose(await measure(page));
    await show(page, 'data-prompt', 'turn-right');
    const right = pose(await measure(page));
    await show(page, 'data-prompt', 'look-up');
    const up = pose(await measure(page));
    await show(page, 'data-prompt', null);
    const back = pose(await measure(page));

    // One face, never two; on a loaded machine the tracker may lose a turned face for a frame, as the chunk
    // allows (the evidence needs a frame at least every 400 ms, a prompt one frame past its threshold).
    for (const reading of [rest, left, right, up, back]) {
      expect(Math.max(...reading.faces)).toBeLessThanOrEqual(1);
      expect(reading.faces.filter((faces) => faces === 1).length).toBeGreaterThanOrEqual(4);
    }
    for (const reading of [rest, back]) {
      expect(Math.abs(reading.yaw)).toBeLessThan(10);
      expect(Math.abs(reading.pitch)).toBeLessThan(8);
    }
    // Turning to one's own left moves the nose towards the right edge of the (unmirrored) picture.
    expect(left.yaw).toBeGreaterThanOrEqual(20);
    expect(left.noseOffset).toBeGreaterThan(rest.noseOffset + 0.05);
    expect(right.yaw).toBeLessThanOrEqual(-20);
    expect(right.noseOffset).toBeLessThan(rest.noseOffset - 0.05);
    expect(up.pitch).toBeGreaterThanOrEqual(15);
    expect(Math.abs(up.yaw)).toBeLessThan(10);
  });

  it('a cooperative visitor reflects a flash on the face, more than on the room', async () => {
    const page = await openCamera('cooperative');
    const [unlit] = await measure(page, 1);
    await show(page, 'data-flash', '0,0,255');
    const [lit] = await measure(page, 1);
    const blueShift = (reading: FrameReading, colour: 'faceColour' | 'roomColour') => chroma(reading[colour])[2];

    expect(lit.faces).toBe(1);
    expect(blueShift(lit, 'faceColour') - blueShift(unlit, 'faceColour')).toBeGreaterThan(0.02);
    expect(Math.abs(blueShift(lit, 'roomColour') - blueShift(unlit, 'roomColour'))).toBeLessThan(0.01);
  });

  it('a static photo neither moves nor reflects', async () => {
    const page = await openCamera('static');
    const [unlit] = await measure(page, 1);
    await show(page, 'data-prompt', 'turn-left');
    await show(page, 'data-flash', '0,0,255');
    const [prompted] = await measure(page, 1);

    expect(prompted.faces).toBe(1);
    expect(Math.abs(prompted.yaw)).toBeLessThan(10);
    expect(Math.abs(chroma(prompted.faceColour)[2] - chroma(unlit.faceColour)[2])).toBeLessThan(0.005);
  });

  const expressions = (readings: FrameReading[]) => ({
    blink: Math.max(...readings.map((r) => r.blink).filter((v) => !Number.isNaN(v))),
    smile: median(readings.map((r) => r.smile)),
    jawOpen: median(readings.map((r) => r.jawOpen)),
  });

  /**
   * The simulated visitor's reaction time and how long its smile or open mouth takes to form (REACTION_MS and
   * EXPRESSION_MOVE_MS in fake-camera.ts, which runs in the page and so cannot share them).
   */
  const EXPRESSION_FORMED_MS = 380 + 500;

  /** Readings while a prompt is shown, once the visitor's expression has formed, and at rest after it. */
  async function prompted(page: Page, action: string) {
    await page.evaluate((value) => {
      document.querySelector('[data-peerproof-liveness]')!.setAttribute('data-prompt', value);
    }, action);
    await page.waitForTimeout(EXPRESSION_FORMED_MS);
    const during = expressions(await measure(page, 12));
    await show(page, 'data-prompt', null);
    return during;
  }

  it('the tier-(i) visitor blinks, smiles and opens its mouth as MediaPipe reads them; the rigid puppet does not', async () => {
    const readings: Record<string, Record<string, ReturnType<typeof expressions>>> = {};
    for (const behaviour of ['cooperative', 'puppet'] as const) {
      const page = await openCamera(behaviour);
      const rest = expressions(await measure(page, 12));
      readings[behaviour] = {
        rest,
        blink: await prompted(page, 'blink'),
        smile: await prompted(page, 'smile'),
        open: await prompted(page, 'open-mouth'),
      };
    }
    console.log(`blendshapes under the prompts: ${JSON.stringify(readings)}`);
    const { cooperative, puppet } = readings;
    expect(cooperative.blink.blink).toBeGreaterThan(cooperative.rest.blink + 0.25);
    // The prompt takes at least half the room the rest face leaves.
    expect(cooperative.smile.smile).toBeGreaterThan(cooperative.rest.smile + 0.5 * (1 - cooperative.rest.smile));
    expect(cooperative.open.jawOpen).toBeGreaterThan(cooperative.rest.jawOpen + 0.15);
    // The puppet's face is the photo's, whatever it is asked.
    expect(puppet.blink.blink).toBeLessThan(puppet.rest.blink + 0.15);
    expect(puppet.smile.smile).toBeLessThan(puppet.rest.smile + 0.25 * (1 - puppet.rest.smile));
    expect(puppet.open.jawOpen).toBeLessThan(puppet.rest.jawOpen + 0.05);
  });

  /** Runs in the page: the camera into the video element; `__grab` returns JPEG frames at ~10 fps. */
  async function startCapture(): Promise<void> {
    const video = document.querySelector('video')!;
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    await video.play();
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [video.videoWidth, video.videoHeight];
    const context = canvas.getContext('2d')!;
    const grab = async (durationMs: number, prompt: string | null) => {
      const host = document.querySelector('[data-peerproof-liveness]')!;
      if (prompt === null) host.removeAttribute('data-prompt');
      else host.setAttribute('data-prompt', prompt);
      const start = performance.now();
      const frames: Array<{ t: number; jpeg: string }> = [];
      for (let t = 0; t < durationMs; t = performance.now() - start) {
        await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
        context.drawImage(video, 0, 0);
        frames.push({ t: performance.now() - start, jpeg: canvas.toDataURL('image/jpeg', 0.92).split(',')[1] });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return frames;
    };
    Object.defineProperty(window, '__grab', { value: grab });
  }

  /** The server engine's measures of the frames the page grabs, `durationMs` from showing `prompt`. */
  async function serverReadings(engine: ServerEngine, page: Page, durationMs: number, prompt: string | null) {
    type Grab = (ms: number, p: string | null) => Array<{ t: number; jpeg: string }>;
    const frames = await page.evaluate(([ms, p]) => (window as unknown as { __grab: Grab }).__grab(ms, p), [
      durationMs,
      prompt,
    ] as const);
    const out: Array<{ t: number; measures: FaceMeasures }> = [];
    for (const frame of frames) {
      const measures = await engine.measure(new Uint8Array(Buffer.from(frame.jpeg, 'base64')));
      if (measures) out.push({ t: frame.t, measures });
    }
    return { out, grabbed: frames.length };
  }

  it("the tier-(i) visitor crosses the server engine's prompt thresholds; the rigid puppet does not", async () => {
    const engine = await ServerEngine.start();
    try {
      const actions: PromptAction[] = ['blink', 'smile', 'open-mouth', 'turn-left', 'turn-right'];
      const peaks: Record<string, Record<string, number>> = {};
      const log: string[] = [];
      for (const behaviour of ['cooperative', 'puppet'] as const) {
        const page = await openCamera(behaviour, startCapture);
        await page.waitForTimeout(500);
        const { out: rest, grabbed } = await serverReadings(engine, page, 2000, null);
        log.push(`${behaviour} rest: ${rest.length}/${grabbed} measured`);
        expect(rest.length).toBeGreaterThanOrEqual(3);
        const mid = (key: keyof FaceMeasures) => median(rest.map((r) => r.measures[key]));
        const baseline = {
          yaw: mid('yaw'),
          pitch: mid('pitch'),
          roll: mid('roll'),
          eyeOpenness: mid('eyeOpenness'),
          mouthOpenness: mid('mouthOpenness'),
          smile: mid('smile'),
        };
        peaks[behaviour] = {};
        for (const action of actions) {
          const { out, grabbed } = await serverReadings(engine, page, 2500, action);
          await serverReadings(engine, page, 1200, null);
          const progress = (from: number, to: number) =>
            Math.max(
              ...out.filter((r) => r.t >= from && r.t < to).map((r) => promptProgress(action, r.measures, baseline)),
            );
          const early = progress(0, PROMPT_REACTION_MS);
          const peak = progress(PROMPT_REACTION_MS, Infinity);
          peaks[behaviour][action] = peak;
          peaks[behaviour][`${action}-early`] = early;
          const key = { blink: 'eyeOpenness', smile: 'smile', 'open-mouth': 'mouthOpenness' }[action as string];
          const values = key ? out.map((r) => r.measures[key as keyof FaceMeasures].toFixed(3)).join(' ') : '';
          log.push(
            `${behaviour} ${action}: ${out.length}/${grabbed} measured, rest ${key ? baseline[key as keyof FaceMeasures].toFixed(3) : baseline.yaw.toFixed(1)}, ` +
              `early ${early.toFixed(2)}, peak ${peak.toFixed(2)} ${values}`,
          );
        }
      }
      console.log(`server engine, progress in thresholds (1 = crossed):\n${log.join('\n')}`);
      for (const action of actions) {
        expect(peaks.cooperative[action]).toBeGreaterThanOrEqual(1);
        // The visitor reacts after the prompt, as the check requires of the frames before PROMPT_REACTION_MS.
        expect(peaks.cooperative[`${action}-early`]).toBeLessThan(0.5);
      }
      for (const action of ['blink', 'smile', 'open-mouth']) expect(peaks.puppet[action]).toBeLessThan(1);
    } finally {
      await engine.release();
    }
  }, 240_000);

  it('a denied camera rejects getUserMedia with NotAllowedError', async () => {
    const { context, page } = await openPage(browser);
    contexts.push(context);
    const config: FakeCameraConfig = { behaviour: 'denied', photoUrl: '', face: GRID_FACE };
    await context.addInitScript(installFakeCamera, config);
    await page.goto(pages.url('/probe'));

    const error = await page.evaluate(() =>
      navigator.mediaDevices.getUserMedia({ video: true }).then(
        () => 'granted',
        (e: DOMException) => `${e.constructor.name} ${e.name}`,
      ),
    );

    expect(error).toBe('DOMException NotAllowedError');
  });
});
