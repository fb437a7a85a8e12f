import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { deriveLivenessScript } from '../../src/protocol/liveness';
import { PageServer, browserTestsEnabled, launchChromium, openPage } from '../support/browser';
import type { FakeCameraBehaviour, FakeCameraConfig, ReplayedScript } from '../support/fake-camera';
import { ASTRONAUT_FACE, installFakeCamera } from '../support/fake-camera';

/**
 * The simulated camera is honest: MediaPipe's FaceLandmarker (the model and runtime the liveness chunk
 * uses), running on the camera's stream in Chromium, sees one face at rest, and reads the turns and the
 * look-up as the head poses the liveness prompts ask for, past ACTION_RULES' thresholds, with the sign
 * convention of docs/liveness.md. The flash light falls on the face more than on the room. If these fail,
 * the end-to-end liveness tests would prove nothing about the widget.
 */

const describeBrowser = browserTestsEnabled() ? describe : describe.skip;

const MEDIAPIPE_DIR = path.resolve('node_modules/@mediapipe/tasks-vision');
const LANDMARKER_MODEL = path.resolve('models/face_landmarker.task');
const PHOTO = path.resolve('test/fixtures/faces/astronaut.jpg');
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

  async function openCamera(behaviour: FakeCameraBehaviour, replay?: ReplayedScript): Promise<Page> {
    const { context, page, problems } = await openPage(browser);
    contexts.push(context);
    const photoUrl = `data:image/jpeg;base64,${fs.readFileSync(PHOTO).toString('base64')}`;
    const config: FakeCameraConfig = { behaviour, photoUrl, face: ASTRONAUT_FACE, replay };
    await context.addInitScript(installFakeCamera, config);
    await page.goto(pages.url('/probe'));
    await page.evaluate(startLandmarker);
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
      if (faces === 0) return { faces, yaw: NaN, pitch: NaN, noseOffset: NaN, faceColour: [], roomColour };
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

  it('a replayed recording turns as another script says, from the start of the script phase', async () => {
    const other = deriveLivenessScript('00112233445566778899aabbccddeeff');
    const replay: ReplayedScript = {
      prompts: [{ action: 'turn-right', start: 1000, end: 3500 }],
      flashes: other.flashes.map(({ rgb, start, end }) => ({ rgb, start, end })),
    };
    const page = await openCamera('replay', replay);
    await show(page, 'data-prompt', 'turn-left');
    const beforeScript = pose(await measure(page, 3));
    await show(page, 'data-phase', 'script');
    // Into the replayed window (1000–3500 ms) by at least the reaction and the movement.
    await page.waitForTimeout(800);
    const inWindow = pose(await measure(page, 3));

    expect(Math.abs(beforeScript.yaw)).toBeLessThan(10);
    expect(inWindow.yaw).toBeLessThanOrEqual(-20);
  });

  it('a denied camera rejects getUserMedia with NotAllowedError', async () => {
    const { context, page } = await openPage(browser);
    contexts.push(context);
    const config: FakeCameraConfig = { behaviour: 'denied', photoUrl: '', face: ASTRONAUT_FACE };
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
