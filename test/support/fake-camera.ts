/**
 * A simulated visitor in front of a camera, for the real-browser liveness tests. `installFakeCamera` is an
 * init script (`context.addInitScript(installFakeCamera, config)`): it replaces
 * navigator.mediaDevices.getUserMedia with a 640×480, ~30 fps `canvas.captureStream()` of a canvas that a
 * worker renders a real face photo on, in WebGL (a camera of its own, unaffected by the page's busy main
 * thread). The photo is the texture of a head-shaped height field (an ellipsoid with a nose ridge) that
 * turns and tilts in 3-D and is perspective-projected, so a landmarker sees the nose move across the face
 * and the far cheek foreshorten as with a real head, not a sheared picture.
 *
 * The simulated visitor watches the liveness overlay as a person would (`widget/src/liveness-contract.ts`):
 * it reacts to `data-prompt` after ~300 ms, moving smoothly, and once `data-flash` is painted its face
 * reflects that colour in the next frame (light added in proportion to the skin's own colour, fading out
 * towards the background; the capture pipeline adds a camera's latency), under mild sensor noise. Blink, smile and open-mouth cannot be performed honestly by one
 * photo: a cooperative visitor leaves them out, so tests that must pass pick scripts without them.
 *
 * This function is serialised into the page: it must not use anything from outside its own body.
 */
import type { PromptAction } from '../../src/protocol/liveness';

export type FakeCameraBehaviour =
  /** Follows the prompts it can perform and reflects the flashes. */
  | 'cooperative'
  /** A photo held still: no movement, no reflectance. */
  | 'static'
  /** Reflects the flashes but never moves. */
  | 'ignore-prompts'
  /** Plays the movements and flashes of another challenge's script (`replay`), from the script's start. */
  | 'replay'
  /** getUserMedia rejects with a NotAllowedError, as when the visitor refuses the camera. */
  | 'denied';

/** Where the head is in the photo, in the photo's normalised coordinates (top-left origin). */
export interface PhotoFace {
  /** The head's ellipse (forehead to chin, ear to ear): centre and radii. */
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  /** The nose ridge, from between the eyes to the tip. */
  bridge: { x: number; y: number };
  tip: { x: number; y: number };
  /** Degrees to tilt the photo's head up so that, at rest, it faces the camera (a portrait may look down). */
  levelPitch: number;
}

/** The part of another challenge's script a replayed recording shows (ms from the script's start). */
export interface ReplayedScript {
  prompts: { action: PromptAction; start: number; end: number }[];
  flashes: { rgb: readonly [number, number, number]; start: number; end: number }[];
}

export interface FakeCameraConfig {
  behaviour: FakeCameraBehaviour;
  /** The face photo, as a URL the page may load into a WebGL texture (a data: URL or same-origin). */
  photoUrl: string;
  face: PhotoFace;
  /** How many frame widths the photo spans (larger brings the face closer). */
  zoom?: number;
  /**
   * The rendered head rotation for turn-left/turn-right and for look-up, in degrees. The defaults read, in
   * MediaPipe's transformation matrix, about ±25–30° of yaw and 27° of pitch (fake-camera.browser-spec.ts);
   * much further and its face detector loses the photo's face.
   */
  turnDegrees?: number;
  lookUpDegrees?: number;
  /** Light the screen adds to the face, as a fraction of the skin's colour at full flash. */
  reflectance?: number;
  /** For `replay`. */
  replay?: ReplayedScript;
}

/** The prompts one photo can perform honestly: head poses. Blink, smile and open-mouth need a moving face. */
export const PERFORMABLE_ACTIONS: readonly PromptAction[] = ['turn-left', 'turn-right', 'look-up'];

/** The frontal fixture photo and where its head is (measured with MediaPipe on the still photo). */
export const ASTRONAUT_FACE: PhotoFace = {
  cx: 0.44,
  cy: 0.245,
  rx: 0.1,
  ry: 0.125,
  bridge: { x: 0.439, y: 0.198 },
  tip: { x: 0.436, y: 0.256 },
  levelPitch: 6,
};

export function installFakeCamera(config: FakeCameraConfig): void {
  /**
   * The camera itself, in a worker of its own: like a real camera it keeps delivering frames while the
   * page's main thread is busy (the landmarker blocks it for tens of milliseconds a frame).
   */
  function cameraWorker() {
    type OverlayState = { t: number; phase: string | null; prompt: string | null; flash: string | null };
    const clock = () => performance.timeOrigin + performance.now();
    let config!: FakeCameraConfig;
    const WIDTH = 640;
    const HEIGHT = 480;
    const FPS = 30;
    const REACTION_MS = 300;
    /** Time constant of the head's movement towards where it is going. */
    const MOVE_TAU_MS = 120;
    const NOISE = 3 / 255;
    const FACE_BELOW_CENTRE = 0.1;

    const poseOf = (action: string | null): [number, number] => {
      const [turn, lookUp] = [config.turnDegrees ?? 40, config.lookUpDegrees ?? 32];
      // yaw > 0: the person turns to their own left, the nose goes to the right of the unmirrored picture.
      if (action === 'turn-left') return [turn, 0];
      if (action === 'turn-right') return [-turn, 0];
      if (action === 'look-up') return [0, lookUp];
      return [0, 0];
    };
    const parseRgb = (value: string | null): [number, number, number] | null => {
      if (!value) return null;
      const parts = value.split(',').map(Number);
      return parts.length === 3 && parts.every((v) => v >= 0 && v <= 255) ? [parts[0], parts[1], parts[2]] : null;
    };

    /** What the overlay showed, with when each change was painted. */
    interface Seen {
      t: number;
      prompt: string | null;
      flash: [number, number, number] | null;
    }
    const history: Seen[] = [];
    let scriptStart: number | null = null;
    const observeOverlay = ({ t, phase, prompt, flash: rgb }: OverlayState) => {
      if (phase === 'script' && scriptStart === null) scriptStart = t;
      const flash = parseRgb(rgb);
      const last = history[history.length - 1];
      if (!last || last.prompt !== prompt || String(last.flash) !== String(flash)) history.push({ t, prompt, flash });
      while (history.length > 2 && history[1].t < t - 2000) history.shift();
    };
    const seenAt = (t: number): Seen | undefined => {
      let found: Seen | undefined;
      for (const entry of history) if (entry.t <= t) found = entry;
      return found;
    };
    /** What the replayed recording shows at `t` ms after this script's start. */
    const replayedAt = (t: number) => {
      const script = config.replay ?? { prompts: [], flashes: [] };
      const prompt = script.prompts.find((p) => t >= p.start && t < p.end);
      const flash = script.flashes.find((f) => t >= f.start && t < f.end);
      return { prompt: prompt?.action ?? null, flash: flash ? ([...flash.rgb] as [number, number, number]) : null };
    };

    /** The target pose and the light on the face at `now`, as this visitor perceives and reacts. */
    const stimulus = (now: number): { pose: [number, number]; light: [number, number, number] | null } => {
      if (config.behaviour === 'static') return { pose: [0, 0], light: null };
      if (config.behaviour === 'replay') {
        if (scriptStart === null) return { pose: [0, 0], light: null };
        const moving = replayedAt(now - scriptStart - REACTION_MS);
        const lit = replayedAt(now - scriptStart);
        return { pose: poseOf(moving.prompt), light: lit.flash };
      }
      const light = seenAt(now)?.flash ?? null;
      if (config.behaviour === 'ignore-prompts') return { pose: [0, 0], light };
      return { pose: poseOf(seenAt(now - REACTION_MS)?.prompt ?? null), light };
    };

    const VERTEX = `
attribute vec2 aUv;
uniform vec4 uPhoto;   // photo uv -> frame: x0, y0 (frame units at uv 0,0), width, height
uniform vec4 uHead;    // the head ellipse in frame units: centre x, y and radii
uniform vec4 uNose;    // bridge x, y and tip x, y in frame units
uniform mat3 uTurn;
uniform float uAspect;
varying vec2 vUv;
varying float vFace;
void main() {
  vec2 p = uPhoto.xy + vec2(aUv.x * uPhoto.z, -aUv.y * uPhoto.w);
  vec2 e = (p - uHead.xy) / uHead.zw;
  float r = length(e);
  float h = uHead.z * sqrt(max(0.0, 1.0 - r * r));
  vec2 ridge = uNose.zw - uNose.xy;
  float along = clamp(dot(p - uNose.xy, ridge) / dot(ridge, ridge), -0.3, 1.15);
  float across = length(p - (uNose.xy + along * ridge));
  float width = 0.22 * uHead.z;
  float rise = along < 0.0 ? 0.0 : (along > 1.0 ? 1.0 - (along - 1.0) / 0.15 : 0.35 + 0.65 * along);
  h += 0.38 * uHead.z * rise * exp(-(across * across) / (width * width));
  vec3 rest = vec3(p, h);
  // The head turns about an axis behind the face, near the neck; the shoulders and the room stay.
  vec3 pivot = vec3(uHead.xy, -0.25 * uHead.z);
  vec3 turned = uTurn * (rest - pivot) + pivot;
  vec3 world = mix(rest, turned, 1.0 - smoothstep(1.0, 1.6, r));
  float distance = 3.0;
  vec2 screen = world.xy * distance / (distance - world.z);
  gl_Position = vec4(screen.x / (0.5 * uAspect), screen.y / 0.5, -0.5 * world.z, 1.0);
  vUv = aUv;
  vFace = 1.0 - smoothstep(0.55, 1.05, r);
}`;
    const FRAGMENT = `
precision mediump float;
uniform sampler2D uTexture;
uniform vec3 uLight;
uniform float uSeed;
uniform float uNoise;
varying vec2 vUv;
varying float vFace;
float hash(vec2 p) { return fract(sin(dot(p, vec2(12.9898, 78.233)) + uSeed) * 43758.5453); }
void main() {
  vec3 skin = texture2D(uTexture, vUv).rgb;
  vec3 lit = skin + uLight * skin * vFace;
  vec3 noise = vec3(hash(gl_FragCoord.xy), hash(gl_FragCoord.yx + 7.0), hash(gl_FragCoord.xy + 13.0)) - 0.5;
  gl_FragColor = vec4(lit + 2.0 * uNoise * noise, 1.0);
}`;

    let redraw = () => {};
    const start = (canvas: OffscreenCanvas, photo: ImageBitmap) => {
      const gl = canvas.getContext('webgl', { antialias: false }) as WebGLRenderingContext | null;
      if (!gl) throw new Error('the simulated camera needs WebGL');
      const compile = (type: number, source: string) => {
        const shader = gl.createShader(type)!;
        gl.shaderSource(shader, source);
        gl.compileShader(shader);
        if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(shader) ?? 'shader');
        return shader;
      };
      const program = gl.createProgram()!;
      gl.attachShader(program, compile(gl.VERTEX_SHADER, VERTEX));
      gl.attachShader(program, compile(gl.FRAGMENT_SHADER, FRAGMENT));
      gl.linkProgram(program);
      if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(program) ?? 'link');
      gl.useProgram(program);

      // Frame units: the frame is 1 high and 4/3 wide, origin at its centre, y up. The face is put at the centre
      // (a landmarker reads a face off the optical axis as turned towards it); beyond the photo's edges the
      // room continues in its edge colours.
      const aspect = WIDTH / HEIGHT;
      const face = config.face;
      const photoW = (config.zoom ?? 1.2) * aspect;
      const photoH = photoW * (photo.height / photo.width);
      const x0 = -face.tip.x * photoW;
      // A little below the centre, as under a camera above the screen, where a face looking at the screen
      // reads as level rather than looking down.
      const y0 = face.tip.y * photoH - FACE_BELOW_CENTRE;
      const toFrame = (x: number, y: number): [number, number] => [x0 + x * photoW, y0 - y * photoH];
      const [u0, u1] = [(-aspect / 2 - x0) / photoW, (aspect / 2 - x0) / photoW];
      const [v0, v1] = [(y0 - 0.5) / photoH, (y0 + 0.5) / photoH];

      // A fine grid over the frame, in photo coordinates: 160×120 cells, two triangles each.
      const [columns, rows] = [96, 72];
      const uvs = new Float32Array((columns + 1) * (rows + 1) * 2);
      for (let y = 0; y <= rows; y++) {
        for (let x = 0; x <= columns; x++) {
          uvs.set([u0 + ((u1 - u0) * x) / columns, v0 + ((v1 - v0) * y) / rows], (y * (columns + 1) + x) * 2);
        }
      }
      const indices = new Uint16Array(columns * rows * 6);
      for (let y = 0, i = 0; y < rows; y++) {
        for (let x = 0; x < columns; x++, i += 6) {
          const a = y * (columns + 1) + x;
          indices.set([a, a + 1, a + columns + 1, a + 1, a + columns + 2, a + columns + 1], i);
        }
      }
      gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
      gl.bufferData(gl.ARRAY_BUFFER, uvs, gl.STATIC_DRAW);
      const aUv = gl.getAttribLocation(program, 'aUv');
      gl.enableVertexAttribArray(aUv);
      gl.vertexAttribPointer(aUv, 2, gl.FLOAT, false, 0, 0);
      gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, gl.createBuffer());
      gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, indices, gl.STATIC_DRAW);

      gl.bindTexture(gl.TEXTURE_2D, gl.createTexture());
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB, gl.RGB, gl.UNSIGNED_BYTE, photo);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);

      const uniform = (name: string) => gl.getUniformLocation(program, name);
      gl.uniform4f(uniform('uPhoto'), x0, y0, photoW, photoH);
      gl.uniform4f(uniform('uHead'), ...toFrame(face.cx, face.cy), face.rx * photoW, face.ry * photoH);
      gl.uniform4f(uniform('uNose'), ...toFrame(face.bridge.x, face.bridge.y), ...toFrame(face.tip.x, face.tip.y));
      gl.uniform1f(uniform('uAspect'), aspect);
      gl.uniform1f(uniform('uNoise'), NOISE);
      gl.enable(gl.DEPTH_TEST);
      gl.depthFunc(gl.LEQUAL);
      gl.viewport(0, 0, WIDTH, HEIGHT);

      let pose: [number, number] = [0, 0];
      let last = clock();
      const draw = () => {
        const now = clock();
        const { pose: target, light } = stimulus(now);
        const follow = 1 - Math.exp(-(now - last) / MOVE_TAU_MS);
        pose = [pose[0] + (target[0] - pose[0]) * follow, pose[1] + (target[1] - pose[1]) * follow];
        last = now;
        const yaw = (pose[0] * Math.PI) / 180;
        // Looking up lifts the nose: a rotation about x that moves +z towards +y.
        const pitch = (-(pose[1] + config.face.levelPitch) * Math.PI) / 180;
        const [cy, sy, cp, sp] = [Math.cos(yaw), Math.sin(yaw), Math.cos(pitch), Math.sin(pitch)];
        // Column-major Rx(pitch)·Ry(yaw).
        gl.uniformMatrix3fv(uniform('uTurn'), false, [cy, sp * sy, -cp * sy, 0, cp, sp, sy, -sp * cy, cp * cy]);
        const rgb = light ?? [0, 0, 0];
        gl.uniform3f(
          uniform('uLight'),
          ...(rgb.map((c) => ((config.reflectance ?? 0.35) * c) / 255) as [number, number, number]),
        );
        gl.uniform1f(uniform('uSeed'), Math.random() * 100);
        gl.clearColor(0, 0, 0, 1);
        gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
        gl.drawElements(gl.TRIANGLES, indices.length, gl.UNSIGNED_SHORT, 0);
      };
      draw();
      setInterval(draw, 1000 / FPS);
      redraw = draw;
    };

    self.onmessage = (event: MessageEvent) => {
      const message = event.data;
      if (message.kind === 'start') {
        config = message.config;
        start(message.canvas, message.photo);
      } else {
        // A new light shows in the next frame; the camera's own latency is the capture pipeline's.
        observeOverlay(message.state);
        redraw();
      }
    };
  }

  let stream: Promise<MediaStream> | null = null;

  /** The overlay's state as painted: a mutation is delivered after the task that made it, before the paint. */
  const watchOverlay = (worker: Worker) => {
    const read = () => {
      const host = document.querySelector('[data-peerproof-liveness]');
      const state = {
        t: performance.timeOrigin + performance.now(),
        phase: host?.getAttribute('data-phase') ?? null,
        prompt: host?.getAttribute('data-prompt') ?? null,
        flash: host?.getAttribute('data-flash') ?? null,
      };
      worker.postMessage({ kind: 'overlay', state });
    };
    const observer = new MutationObserver(read);
    observer.observe(document, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-phase', 'data-prompt', 'data-flash'],
    });
    read();
    return observer;
  };

  const startCamera = async (): Promise<MediaStream> => {
    const photo = await createImageBitmap(await (await fetch(config.photoUrl)).blob());
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [640, 480];
    const offscreen = canvas.transferControlToOffscreen();
    const source = URL.createObjectURL(new Blob([`(${cameraWorker})()`], { type: 'text/javascript' }));
    const worker = new Worker(source);
    worker.postMessage({ kind: 'start', config, canvas: offscreen, photo }, [offscreen, photo]);
    const observer = watchOverlay(worker);
    const captured = canvas.captureStream(30);
    for (const track of captured.getVideoTracks()) {
      const stop = track.stop.bind(track);
      track.stop = () => {
        observer.disconnect();
        worker.terminate();
        URL.revokeObjectURL(source);
        stream = null;
        stop();
      };
    }
    return captured;
  };

  const devices = navigator.mediaDevices ?? ({} as MediaDevices);
  if (!navigator.mediaDevices) Object.defineProperty(navigator, 'mediaDevices', { value: devices });
  devices.enumerateDevices = async () =>
    [
      { deviceId: 'simulated', groupId: 'simulated', kind: 'videoinput', label: '', toJSON: () => ({}) },
    ] as MediaDeviceInfo[];
  devices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    if (!constraints?.video) throw new DOMException('only a camera is simulated', 'NotFoundError');
    if (config.behaviour === 'denied') throw new DOMException('Permission denied', 'NotAllowedError');
    stream ??= startCamera();
    return stream;
  };
}
