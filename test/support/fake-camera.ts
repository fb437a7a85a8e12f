/**
 * A simulated visitor in front of a camera, for the real-browser liveness tests. `installFakeCamera` is an
 * init script (`context.addInitScript(installFakeCamera, config)`): it replaces
 * navigator.mediaDevices.getUserMedia with a 640×480, ~30 fps `canvas.captureStream()` of a canvas that a
 * worker renders a real face photo on, in WebGL (a camera of its own, unaffected by the page's busy main
 * thread). The photo is the texture of a head-shaped height field (an ellipsoid with a nose ridge) that
 * turns and tilts in 3-D and is perspective-projected, so a landmarker sees the nose move across the face
 * and the far cheek foreshorten as with a real head, not a sheared picture.
 *
 * THE COOPERATIVE VISITOR IS AN ATTACK, AND THE TIER-(i) STAND-IN. A photo animated by 2-D warping is
 * attack tier (i) of docs/liveness.md ("a photo animated with expressions by 2D warping, the stand-in for
 * face reenactment"), which the level documents as measured rather than stopped. That is why a happy-path
 * test may use it: it does everything a cooperative person does (every head movement and expression,
 * the flashes' light on the skin with a camera's latency), so it passes only through checks that a live
 * person passes, and no check is switched off for it. The project's own lower tiers are behaviours of the
 * same camera and must fail: `puppet` (tier (f), the rigid photo puppet) and `static` (a still photo).
 *
 * What the cooperative visitor does, watching the overlay as a person would (widget/src/liveness-contract.ts):
 * - reacts to `data-prompt` after ~380 ms (a person's reading time), moving smoothly: head turns and
 *   look-up as the height field above; blink: the upper lids close fully, down to the lower lids, over the
 *   whole opening, iris included (skin from above and below the eye, a dark lash line at the lid's edge),
 *   shut ~300 ms, three times a prompt; smile: the mouth corners move out and up; open mouth: the lower
 *   lip and jaw move down, the gap between the lips a dark oral cavity, held while the prompt shows;
 * - light: a lit `data-flash` reaches the picture after the camera's latency (`latencyMs`, 60–200 ms), as
 *   light added in proportion to the surface's own colour (multiplicative with the albedo), strongest on
 *   the face, weaker on the hair, ears and neck, almost none on the room behind;
 * - mild sensor noise in every frame.
 *
 * This function is serialised into the page: it must not use anything from outside its own body.
 */

export type FakeCameraBehaviour =
  /** Tier (i): follows every prompt, expressions included, and reflects the flashes. */
  | 'cooperative'
  /** Tier (f), a rigid photo puppet: turns and looks up, reflects the flashes, but has no expressions. */
  | 'puppet'
  /** A photo held still: no movement, no reflectance. */
  | 'static'
  /** Reflects the flashes but never moves (a video of a person who ignores the prompts). */
  | 'ignore-prompts'
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
  /** The eyes' openings: centres and half-sizes (left and right as seen in the photo). */
  eyes: Array<{ x: number; y: number; rx: number; ry: number }>;
  /** The mouth: its corners, and the lip line's sag below them at the centre. */
  mouth: { left: { x: number; y: number }; right: { x: number; y: number }; sag: number };
  /** Degrees to tilt the photo's head up so that, at rest, it faces the camera (a portrait may look down). */
  levelPitch: number;
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
  /** From the screen's paint to the frame that shows its light, ms (a webcam: 60–200). */
  latencyMs?: number;
}

/**
 * The frontal fixture photo (test/fixtures/faces/astronaut.jpg, public domain, see the README there) and
 * where its head, eyes and mouth are (the head measured with MediaPipe on the still photo; eyes and mouth
 * read off the photo's pixels).
 */
export const ASTRONAUT_FACE: PhotoFace = {
  cx: 0.44,
  cy: 0.245,
  rx: 0.1,
  ry: 0.125,
  bridge: { x: 0.439, y: 0.198 },
  tip: { x: 0.436, y: 0.256 },
  eyes: [
    { x: 0.398, y: 0.199, rx: 0.02, ry: 0.011 },
    { x: 0.479, y: 0.201, rx: 0.02, ry: 0.011 },
  ],
  mouth: { left: { x: 0.395, y: 0.276 }, right: { x: 0.482, y: 0.274 }, sag: 0.009 },
  levelPitch: 6,
};

/**
 * A neutral, closed-mouth, frontal real face: GRID corpus speaker bbaf2n at rest
 * (test/fixtures/live-faces/grid/bbaf2n/frame_000.jpg, CC BY 4.0, attribution in the README there; 360×288).
 * The cooperative visitor's photo: its expressions start from a neutral face, as a person's do (the astronaut
 * smiles with lips apart, so a drawn open mouth read as less open than its rest). Every point below was
 * measured by the server's own face mesh (ServerFaceAnalyzer.mesh, 468 points) on that still, once, and
 * hard-coded: eyes from the corners 33/133 and 263/362 and the lids 159/145 and 386/374 (ry about 1.5× the
 * half-aperture, as the lid must cover lashes and iris); the mouth's corners 61/291, the sag from the inner
 * lips 13/14; the nose 168 (bridge) and 1 (tip); the head from the cheeks 234/454, forehead 10 and chin 152,
 * enlarged by 1.12 across and 1.2 down, as ASTRONAUT_FACE's ellipse is over its mesh. The server reads this
 * still as yaw 1.6°, pitch -9.6°, eye openness 0.38, mouth openness 0.05, smile 0.86.
 */
export const GRID_FACE: PhotoFace = {
  cx: 0.43,
  cy: 0.64,
  rx: 0.16,
  ry: 0.26,
  bridge: { x: 0.433, y: 0.548 },
  tip: { x: 0.439, y: 0.677 },
  eyes: [
    { x: 0.369, y: 0.555, rx: 0.029, ry: 0.022 },
    { x: 0.497, y: 0.548, rx: 0.029, ry: 0.022 },
  ],
  mouth: { left: { x: 0.387, y: 0.7575 }, right: { x: 0.4966, y: 0.7509 }, sag: 0.003 },
  levelPitch: 4,
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
    const REACTION_MS = 380;
    /**
     * How long a smile or an opening mouth takes, along the same minimum-jerk path as the head. The exponential
     * ease these had before started at its top speed from rest: the first frame pair of an opening mouth held
     * 57 % of the whole change, and one read as a cut (a face thumbnail change of 0.203 against a still floor
     * of 0.2). Over half a second, about as long as the head's deliberate turn, a frame pair holds at most
     * 37 % of it.
     */
    const EXPRESSION_MOVE_MS = 500;
    /**
     * How long the head takes to turn or look up, along a minimum-jerk path (the smooth, bell-shaped speed of
     * a person's deliberate head movement): 40° in 450 ms peaks at ~170°/s, ≤ 17° between two frames at
     * 10 frames/s. An exponential ease is no person's movement: it starts at its top speed from rest, so one
     * frame pair held more than half the turn against still pairs before it, which is what a cut looks like.
     */
    const HEAD_MOVE_MS = 450;
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
    const observeOverlay = ({ t, prompt, flash: rgb }: OverlayState) => {
      const flash = parseRgb(rgb);
      const last = history[history.length - 1];
      if (!last || last.prompt !== prompt || String(last.flash) !== String(flash)) history.push({ t, prompt, flash });
      while (history.length > 2 && history[1].t < t - 3000) history.shift();
    };
    const seenAt = (t: number): Seen | undefined => {
      let found: Seen | undefined;
      for (const entry of history) if (entry.t <= t) found = entry;
      return found;
    };

    /**
     * Eyelid closure (0 open, 1 shut) `sinceMs` into a blink prompt: three deliberate blinks, 800 ms apart, each
     * 150 ms down, 300 ms shut, 150 ms up (a prompted, deliberate blink; a reflex blink is faster). The shut part outlasts the gap between the frames the server measures
     * (every other or third frame at 10 fps), so every blink is seen shut, as a person's prompted blink is.
     */
    const blinkAt = (sinceMs: number): number => {
      const phase = sinceMs % 800;
      if (sinceMs > 2400 || phase > 600) return 0;
      return phase < 150 ? phase / 150 : phase < 450 ? 1 : (600 - phase) / 150;
    };

    interface Stimulus {
      pose: [number, number];
      /** Blink closure, smile and mouth opening targets, 0–1. */
      expression: [number, number, number];
      light: [number, number, number] | null;
    }
    /** What this visitor does at `now`, as it perceives the overlay and reacts. */
    const stimulus = (now: number): Stimulus => {
      const none: [number, number, number] = [0, 0, 0];
      if (config.behaviour === 'static') return { pose: [0, 0], expression: none, light: null };
      // The light of a colour reaches the picture after the camera's latency.
      const light = seenAt(now - (config.latencyMs ?? 100))?.flash ?? null;
      if (config.behaviour === 'ignore-prompts') return { pose: [0, 0], expression: none, light };
      const reacted = seenAt(now - REACTION_MS);
      const prompt = reacted?.prompt ?? null;
      const pose = poseOf(prompt);
      if (config.behaviour === 'puppet') return { pose, expression: none, light };
      const expression: [number, number, number] = [
        prompt === 'blink' && reacted ? blinkAt(now - REACTION_MS - reacted.t) : 0,
        prompt === 'smile' ? 1 : 0,
        prompt === 'open-mouth' ? 1 : 0,
      ];
      return { pose, expression, light };
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
  // The screen lights the face fully, the hair, ears and neck around it, a little further away, about half as
  // much, and the room almost not.
  vFace = 0.03 + 0.5 * (1.0 - smoothstep(1.0, 1.8, r)) + 0.47 * (1.0 - smoothstep(0.75, 1.05, r));
}`;
    // Expressions are 2-D warps of the photo in its own coordinates (vUv: y down), so they move with the
    // head: each output pixel samples the photo where that bit of skin was before the warp.
    const FRAGMENT = `
precision highp float;
uniform sampler2D uTexture;
uniform vec3 uLight;
uniform float uSeed;
uniform float uNoise;
uniform vec4 uEye0;    // centre, half-size (photo uv)
uniform vec4 uEye1;
uniform vec4 uMouth;   // left corner, right corner
uniform float uSag;
uniform vec3 uExpr;    // blink closure, smile, mouth opening: 0..1
varying vec2 vUv;
varying float vFace;
float hash(vec2 p) { return fract(sin(dot(p, vec2(12.9898, 78.233)) + uSeed) * 43758.5453); }
// The upper lid drawn down over one eye, to the lower lid when shut. The lid covers more than the eye's
// opening (lashes, the corners, the whole iris) so no white or iris shows past it; it is skin, the mean of
// the skin above the eye (under the brow) and below it (the cheek), shaded darker towards its edge, with a
// dark lash line along the edge and a faint crease above.
vec3 lid(vec2 uv, vec4 eye, vec3 colour) {
  vec2 size = eye.zw * vec2(1.3, 1.6);
  vec2 e = (uv - eye.xy) / size;
  if (abs(e.x) >= 1.0 || uExpr.x <= 0.0) return colour;
  float shape = sqrt(1.0 - e.x * e.x);
  // The closed lid's edge curves down a little below the eye's centre line.
  float edge = mix(-shape, 0.35 * shape, uExpr.x);
  float lash = 0.12 + 0.10 * shape;
  if (e.y < -shape - 0.1 || e.y > edge + lash) return colour;
  if (e.y > edge) return mix(colour, vec3(0.10, 0.07, 0.06), 0.85 * smoothstep(0.0, 1.0, uExpr.x * 2.0));
  vec3 brow = texture2D(uTexture, vec2(uv.x, eye.y - 2.2 * eye.w)).rgb;
  vec3 cheek = texture2D(uTexture, vec2(uv.x, eye.y + 2.6 * eye.w)).rgb;
  vec3 skin = 0.5 * (brow + cheek);
  float depth = clamp((e.y + shape) / max(edge + shape, 0.001), 0.0, 1.0);
  skin *= 1.0 - 0.12 * depth * depth;
  if (uExpr.x > 0.8 && abs(e.y - (-0.55 * shape)) < 0.06) skin *= 0.85;
  float feather = smoothstep(-shape - 0.1, -shape + 0.15, e.y);
  return mix(colour, skin, feather);
}
void main() {
  vec2 uv = vUv;
  vec2 left = uMouth.xy;
  vec2 right = uMouth.zw;
  float width = right.x - left.x;
  vec2 centre = 0.5 * (left + right);
  // Smile: each corner moves out and up; the skin around it follows, less with distance.
  float sigma = 0.45 * width;
  vec2 dl = uExpr.y * vec2(-0.26, -0.30) * width;
  vec2 dr = uExpr.y * vec2(0.26, -0.30) * width;
  uv -= dl * exp(-dot(uv - left, uv - left) / (2.0 * sigma * sigma));
  uv -= dr * exp(-dot(uv - right, uv - right) / (2.0 * sigma * sigma));
  // Open mouth: below the lip line the lower lip and the jaw move down, a displacement of the lower face.
  // The lower lip's edge drops most at the centre and not at all at the corners (an elliptic opening); deeper
  // down the whole jaw, chin included and wider than the lips, drops by as much, fading out into the neck.
  // Each output pixel below the lip line samples the photo where that skin was; where no skin was (above the
  // lower lip's new edge, between the corners) is the mouth's dark cavity, edged by the photo's own lips.
  float across = (uv.x - centre.x) / (0.5 * width);
  float envelope = sqrt(max(0.0, 1.0 - across * across));
  float lipY = mix(left.y, right.y, clamp((uv.x - left.x) / width, 0.0, 1.0)) + uSag * envelope * envelope;
  float jawAcross = (uv.x - centre.x) / (1.1 * width);
  float jaw = max(0.0, 1.0 - jawAcross * jawAcross);
  float opening = 0.6 * width * uExpr.z;
  bool inside = false;
  float gapDepth = 0.0;
  if (uv.y > lipY && opening > 0.0) {
    float below = uv.y - lipY;
    // From the lips' shape at the lip line to the jaw's a little lower: no fold where they differ (slope < 1).
    float drop = opening * mix(envelope, jaw, smoothstep(0.0, 1.3 * width, below));
    drop *= 1.0 - smoothstep(0.9 * width, 2.2 * width, below);
    float source = uv.y - drop;
    if (source < lipY) {
      inside = true;
      gapDepth = below / max(drop, 1e-5);
    }
    uv.y = source;
  }
  // The cavity: darkest under the upper lip (its shadow), a little lighter towards the lower lip and tongue.
  vec3 cavity = mix(vec3(0.05, 0.02, 0.02), vec3(0.22, 0.08, 0.08), smoothstep(0.3, 1.0, gapDepth));
  vec3 skin = inside ? cavity : texture2D(uTexture, uv).rgb;
  skin = lid(vUv, uEye0, skin);
  skin = lid(vUv, uEye1, skin);
  // The screen's light, multiplicative with the albedo, falling off from the face to the room.
  vec3 lit = skin * (vec3(1.0) + uLight * vFace);
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

      const [eye0, eye1] = face.eyes;
      const eyeUniform = (name: string, eye: PhotoFace['eyes'][number]) =>
        gl.uniform4f(uniform(name), eye.x, eye.y, eye.rx, eye.ry);
      eyeUniform('uEye0', eye0);
      eyeUniform('uEye1', eye1);
      gl.uniform4f(uniform('uMouth'), face.mouth.left.x, face.mouth.left.y, face.mouth.right.x, face.mouth.right.y);
      gl.uniform1f(uniform('uSag'), face.mouth.sag);

      let pose: [number, number] = [0, 0];
      let move = { from: pose, to: pose, start: clock() };
      let expression: [number, number, number] = [0, 0, 0];
      const expressionMoves = [1, 2].map(() => ({ from: 0, to: 0, start: clock() }));
      /** Where a minimum-jerk movement that began at `start` and takes `duration` is at `now`, 0–1. */
      const minimumJerk = (now: number, start: number, duration: number) => {
        const tau = Math.min(1, (now - start) / duration);
        return tau * tau * tau * (10 - 15 * tau + 6 * tau * tau);
      };
      const draw = () => {
        const now = clock();
        const { pose: target, expression: wanted, light } = stimulus(now);
        if (target[0] !== move.to[0] || target[1] !== move.to[1]) move = { from: pose, to: target, start: now };
        const along = minimumJerk(now, move.start, HEAD_MOVE_MS);
        pose = [move.from[0] + (move.to[0] - move.from[0]) * along, move.from[1] + (move.to[1] - move.from[1]) * along];
        // A blink follows its own profile; a smile and an opening mouth move like the head, more quickly.
        const eased = expressionMoves.map((motion, k) => {
          const current = expression[k + 1];
          if (wanted[k + 1] !== motion.to) Object.assign(motion, { from: current, to: wanted[k + 1], start: now });
          return motion.from + (motion.to - motion.from) * minimumJerk(now, motion.start, EXPRESSION_MOVE_MS);
        });
        expression = [wanted[0], eased[0], eased[1]];
        gl.uniform3f(uniform('uExpr'), ...expression);
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
        // Redrawn at once: a change shows in the frame after the visitor's reaction or the camera's latency.
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
