/**
 * The face material of the attack kit: licensed stills and real clips from test/fixtures (their notices sit
 * beside them), with face boxes measured once by the service's UltraFace detector and stored here, so an
 * attack needs no model to run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JpegAdapter } from '../../../adapters/jpeg.adapter';
import type { PixelRect, RgbImage } from '../../rgb-image';

/** A face in a picture: its box and the points the expression warps move (from the box, see `landmarks`). */
export interface FacePicture {
  name: string;
  image: RgbImage;
  face: PixelRect;
}

export interface FaceLandmarks {
  /** The person's right eye is on the image's left (the frames are not mirrored). */
  rightEye: [number, number];
  leftEye: [number, number];
  mouthRight: [number, number];
  mouthLeft: [number, number];
  /** Half the eye opening's width and height, in pixels. */
  eyeRx: number;
  eyeRy: number;
}

/**
 * Where the eyes and the mouth corners sit in an UltraFace box of a frontal face. Checked by eye on every
 * picture below (the marks land on the pupils and the lip corners within a few pixels); the warps act on a
 * neighbourhood of each point, so they tolerate that error.
 */
export function landmarks(face: PixelRect): FaceLandmarks {
  const at = (u: number, v: number): [number, number] => [face.x + u * face.w, face.y + v * face.h];
  return {
    rightEye: at(0.32, 0.43),
    leftEye: at(0.68, 0.43),
    mouthRight: at(0.36, 0.76),
    mouthLeft: at(0.64, 0.76),
    eyeRx: face.w * 0.12,
    eyeRy: face.h * 0.045,
  };
}

/**
 * Stills used as "the victim's photo", with UltraFace boxes (x, y, w, h in pixels). Left out: astronaut.jpg
 * (her squinting smile puts the eyes off the box proportions, so the blink warp closes her brows) and
 * image_T2_small.jpg (its busy background needs more than 4 KB a frame).
 */
export const STILLS: ReadonlyArray<{ file: string; box: [number, number, number, number] }> = [
  { file: 'live-faces/grid/lbax4n/frame_060.jpg', box: [126, 66, 116, 180] },
  { file: 'live-faces/grid/lwbsza/frame_065.jpg', box: [114, 104, 103, 143] },
  { file: 'live-faces/grid/brbk7n/frame_030.jpg', box: [124, 95, 94, 164] },
];

/**
 * Real clips (every second frame of the 25 fps GRID recordings, so 12.5 frames/s) with the face box of their
 * first frame: the speakers keep their heads still within a few pixels.
 */
export const CLIPS: ReadonlyArray<{
  dir: string;
  frames: number;
  step: number;
  box: [number, number, number, number];
}> = [
  { dir: 'live-faces/grid/bbaf2n', frames: 75, step: 2, box: [108, 100, 97, 153] },
  { dir: 'live-faces/grid/brbk7n', frames: 75, step: 2, box: [124, 95, 94, 164] },
];

export const DEFAULT_FIXTURES = path.resolve('test/fixtures');

const box = ([x, y, w, h]: readonly number[]): PixelRect => ({ x, y, w, h });

export function loadStills(jpeg: JpegAdapter, fixtures = DEFAULT_FIXTURES): FacePicture[] {
  return STILLS.map(({ file, box: b }) => ({
    name: file,
    image: jpeg.decode(fs.readFileSync(path.join(fixtures, file))),
    face: box(b),
  }));
}

export interface FaceClip {
  name: string;
  /** Frames per second of `frames` as stored. */
  fps: number;
  frames: RgbImage[];
  face: PixelRect;
}

export function loadClips(jpeg: JpegAdapter, fixtures = DEFAULT_FIXTURES): FaceClip[] {
  return CLIPS.map(({ dir, frames, step, box: b }) => {
    const images: RgbImage[] = [];
    for (let n = 0; n < frames; n += step) {
      const file = path.join(fixtures, dir, `frame_${String(n).padStart(3, '0')}.jpg`);
      images.push(jpeg.decode(fs.readFileSync(file)));
    }
    return { name: dir, fps: 25 / step, frames: images, face: box(b) };
  });
}
