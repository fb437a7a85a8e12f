/**
 * Attacks built from one still photo of the victim: (a) offline synthesis, (b) a tint inside the face
 * outline, (c) a tint over the whole frame, (f-node) a rigid photo puppet lit physically, and (i) the photo
 * animated by 2D expression warps, with or without physically added flash light. They differ only in what
 * the renderer does with the revealed step (see `StillAttackOptions`), so a difference in outcome is due to
 * that one thing.
 */
import type { JpegAdapter } from '../../../adapters/jpeg.adapter';
import type { PlanStep } from '../../../protocol/liveness-plan';
import type { CapturedFrame, FrameSource, StepContext } from '../../client/frame-source';
import type { RgbImage } from '../../rgb-image';
import type { ExpressionState } from './expressions';
import { NEUTRAL, applyExpression } from './expressions';
import type { FacePicture } from './faces';
import { FRAME_SIDE, FrameEncoder } from './frame-encoder';
import type { LightMode, Rgb } from './raster';
import { addLight, addNoise, frameRect, renderFrame, rigidPose, toFrame } from './raster';
import type { Pose } from './timeline';
import { actionOf, colourAt, frameTimes, perform, uniform } from './timeline';

export interface StillAttackOptions {
  /**
   * 'warp': expressions by 2D warps (blink, smile, open mouth); 'rigid': the best a rigid renderer can do
   * (a nod for a blink or an open mouth, a slight zoom for a smile); movements are rigid in both.
   */
  expressions: 'warp' | 'rigid';
  /** How the flash colours reach the frame, or null when the renderer ignores them. */
  light: LightMode | null;
  /** Strength of the added light (0.25 ≈ a bright screen 35 cm from a face in a dim room). */
  strength?: number;
  /**
   * 'scheduled': an offline renderer, frames exactly on the plan's times with no reaction delay; 'live': a
   * performer with 300–600 ms reaction, camera latency 60–140 ms and hand shake.
   */
  timing: 'scheduled' | 'live';
}

interface AttemptState {
  picture: FacePicture;
  reactionMs: number;
  latencyMs: number;
  strength: number;
}

export class StillAttack implements FrameSource {
  private readonly attempts = new Map<string, AttemptState>();
  private readonly encoder: FrameEncoder;

  constructor(
    jpeg: JpegAdapter,
    private readonly pictures: readonly FacePicture[],
    private readonly options: StillAttackOptions,
    private readonly seed: string,
  ) {
    this.encoder = new FrameEncoder(jpeg);
  }

  capture(step: PlanStep, context: StepContext): Promise<CapturedFrame[]> {
    const random = uniform(`${this.seed}/${context.attempt}/${step.index}`);
    const state = this.attempt(context);
    const live = this.options.timing === 'live';
    const action = actionOf(step);
    const frames: CapturedFrame[] = [];
    for (const t of frameTimes(step.durationMs, random)) {
      const { pose, expression } = perform(action, t, live ? state.reactionMs : 0);
      const shake = live ? { dx: (random() - 0.5) * 2, dy: (random() - 0.5) * 2, roll: (random() - 0.5) * 1.5 } : {};
      let rgb: Rgb | null = null;
      if (step.kind === 'flashes' && this.options.light) rgb = colourAt(step, t - (live ? state.latencyMs : 0));
      const image = renderStill(
        state.picture,
        { ...this.rigid(pose, expression), ...shake },
        this.warped(expression),
        random,
        {
          rgb,
          mode: this.options.light,
          strength: state.strength,
        },
      );
      frames.push({ t, jpeg: this.encoder.encode(image) });
    }
    return Promise.resolve(frames);
  }

  private attempt(context: StepContext): AttemptState {
    let state = this.attempts.get(context.attempt);
    if (!state) {
      const random = uniform(`${this.seed}/${context.attempt}`);
      state = {
        picture: this.pictures[Math.floor(random() * this.pictures.length)],
        reactionMs: 300 + random() * 300,
        latencyMs: 60 + random() * 80,
        strength: (this.options.strength ?? 0.25) * (0.85 + random() * 0.3),
      };
      this.attempts.set(context.attempt, state);
    }
    return state;
  }

  /** The rigid pose, with the rigid stand-ins for expressions when the renderer cannot warp. */
  private rigid(pose: Pose, expression: ExpressionState) {
    if (this.options.expressions === 'warp') return { ...pose, scale: 1 };
    return {
      yaw: pose.yaw,
      pitch: pose.pitch - 6 * expression.blink - 8 * expression.mouth,
      scale: 1 + 0.04 * expression.smile,
    };
  }

  private warped(expression: ExpressionState): ExpressionState {
    return this.options.expressions === 'warp' ? expression : NEUTRAL;
  }
}

/** One frame of a still: expression warp, rigid pose and crop, then light and sensor noise. */
export function renderStill(
  picture: FacePicture,
  pose: { yaw: number; pitch: number; roll?: number; dx?: number; dy?: number; scale?: number },
  expression: ExpressionState,
  random: () => number,
  light: { rgb: Rgb | null; mode: LightMode | null; strength: number },
): RgbImage {
  const source = applyExpression(picture.image, picture.face, expression);
  const rect = frameRect(source, picture.face);
  const frame = renderFrame(source, rect, FRAME_SIDE, rigidPose(picture.face, pose));
  if (light.rgb && light.mode)
    addLight(frame, toFrame(rect, FRAME_SIDE, picture.face), light.rgb, light.strength, light.mode);
  addNoise(frame, random);
  return frame;
}
