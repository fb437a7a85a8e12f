/**
 * The passive models' validation samples, cut the way the v2 widget cuts its frames (docs/liveness.md,
 * "A frame"): a square of 4 face-box sides about the face, kept inside the picture, 192 px, JPEG quality
 * 0.7; then the server's own UltraFace box in that frame. The live class is real recordings of people only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JpegAdapter } from '../../adapters/jpeg.adapter';
import type { PassiveFrame } from '../checks/passive.check';
import type { DetectedFace, LivenessModelRunner } from '../liveness-models';
import { detectFaces } from '../liveness-models';
import type { ModelReading } from '../passive/passive-models';
import { readFrame } from '../passive/passive-models';
import type { PixelRect, RgbImage } from '../rgb-image';
import { cropResize } from '../rgb-image';

export type SampleLabel = 'live' | 'print' | 'replay' | 'faceswap' | 'real-reference';

export interface SampleFile {
  label: SampleLabel;
  /** One person or clip: the unit the per-group figures are given for. */
  group: string;
  file: string;
}

/** The v2 widget's frame (docs/liveness.md): context in face-box sides, side in pixels, JPEG quality. */
export const WIDGET_FRAME = { context: 4, side: 192, quality: 70 } as const;

/** File names of the shared face samples and their labels (models/README.md and the fixtures' README). */
const FACE_PATTERNS: readonly [RegExp, SampleLabel, string][] = [
  [/^image_T\d.*\.jpe?g$/i, 'live', 'silent-face'],
  [/^image_F1.*\.jpe?g$/i, 'print', 'silent-face'],
  [/^image_F2.*\.jpe?g$/i, 'replay', 'silent-face'],
  [/^mesonet_df.*\.jpe?g$/i, 'faceswap', 'mesonet'],
  [/^mesonet_real.*\.jpe?g$/i, 'real-reference', 'mesonet'],
];

/**
 * Every `frame_NNN.jpg` under `liveDir` (a clip per folder, every `step`-th frame) as live, and the known
 * face samples under `facesDir` by their names.
 */
export function listSamples(liveDir: string, facesDir: string, step = 1): SampleFile[] {
  const samples: SampleFile[] = [];
  for (const dir of foldersUnder(liveDir)) {
    const frames = fs
      .readdirSync(dir)
      .filter((name) => /^frame_\d+\.jpe?g$/i.test(name))
      .sort();
    const group = path.relative(liveDir, dir);
    frames.forEach((name, i) => {
      if (i % step === 0) samples.push({ label: 'live', group, file: path.join(dir, name) });
    });
  }
  for (const dir of foldersUnder(facesDir)) {
    for (const name of fs.readdirSync(dir).sort()) {
      const match = FACE_PATTERNS.find(([pattern]) => pattern.test(name));
      if (match) samples.push({ label: match[1], group: match[2], file: path.join(dir, name) });
    }
  }
  return samples;
}

function foldersUnder(root: string): string[] {
  const found = [root];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (entry.isDirectory()) found.push(...foldersUnder(path.join(root, entry.name)));
  }
  return found;
}

export interface WidgetFrame {
  image: RgbImage;
  /** Context actually cut, in face-box sides: below 4 where the picture was too small (clamped). */
  context: number;
}

/** The frame the widget would send for the face `box` of `image`: cut, scaled, JPEG-compressed, decoded. */
export function widgetFrame(jpeg: JpegAdapter, image: RgbImage, box: PixelRect): WidgetFrame {
  const faceSide = Math.max(box.w, box.h);
  const side = Math.max(1, Math.min(faceSide * WIDGET_FRAME.context, image.width, image.height));
  const x = clamp(box.x + box.w / 2 - side / 2, 0, image.width - side);
  const y = clamp(box.y + box.h / 2 - side / 2, 0, image.height - side);
  const square = cropResize(image, { x, y, w: side, h: side }, WIDGET_FRAME.side, WIDGET_FRAME.side);
  return { image: jpeg.decode(jpeg.encode(square, WIDGET_FRAME.quality)), context: side / faceSide };
}

export interface ScoredFrame extends SampleFile {
  /** Null: no face in the picture or in its widget frame, so the face check (not the passive one) decides. */
  readings: Record<string, ModelReading> | null;
  context: number | null;
  /** Faces the server found in the widget frame. */
  facesInFrame: number;
}

/**
 * What the server would judge of `picture`: the widget's frame about the largest face (what the widget
 * tracks) and, in that frame, the server's face nearest the centre. Null where either has no face.
 */
export async function cutWidgetFrame(
  runner: LivenessModelRunner,
  jpeg: JpegAdapter,
  picture: RgbImage,
): Promise<{ frame: PassiveFrame; context: number; facesInFrame: number } | null> {
  const inPicture = await detectFaces(runner, picture);
  if (inPicture.length === 0) return null;
  const person = inPicture.reduce((a, b) => (a.w * a.h >= b.w * b.h ? a : b));
  const { image, context } = widgetFrame(jpeg, picture, person);
  const inFrame = await detectFaces(runner, image);
  if (inFrame.length === 0) return null;
  return { frame: { image, face: nearestToCentre(inFrame, image) }, context, facesInFrame: inFrame.length };
}

export async function scoreSample(
  runner: LivenessModelRunner,
  jpeg: JpegAdapter,
  sample: SampleFile,
): Promise<ScoredFrame> {
  const cut = await cutWidgetFrame(runner, jpeg, jpeg.decode(fs.readFileSync(sample.file)));
  if (!cut) return { ...sample, readings: null, context: null, facesInFrame: 0 };
  const readings = await readFrame(runner, cut.frame.image, cut.frame.face);
  return { ...sample, readings, context: cut.context, facesInFrame: cut.facesInFrame };
}

function nearestToCentre(faces: readonly DetectedFace[], image: RgbImage): DetectedFace {
  const distance = (f: DetectedFace) => Math.hypot(f.x + f.w / 2 - image.width / 2, f.y + f.h / 2 - image.height / 2);
  return faces.reduce((a, b) => (distance(a) <= distance(b) ? a : b));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}
