/**
 * When a step crops the video, and the time each crop carries. The service wants ~10 frames a second
 * (FRAME_LIMITS.targetFps) with every gap within the plan's limits; a camera delivers frames on its own clock
 * (30 a second in good light, 12–15 or fewer in a dim room or on a busy device, none for a while in a stall).
 *
 * So each camera frame is cropped at most once, stamped with when the video showed it (video-frames.ts): the
 * frame nearest each point of a 10-per-second grid. A frame already cropped is cropped again only when no
 * other came for STALE_FRAME_MS: a repeat followed by a frame that holds two intervals of movement is what
 * the service's continuity check reads as a cut (browser suite: a look-up, and a flash step with 13 of its 30
 * pairs repeated, were both rejected so). Where the browser cannot tell frames apart (`shown` null), every
 * animation frame is a new one, as before.
 */
import { FRAME_LIMITS } from '../../../src/protocol/liveness-plan';

/** One frame every 100 ms: FRAME_LIMITS.targetFps. */
export const FRAME_INTERVAL_MS = 1000 / FRAME_LIMITS.targetFps;
/** Crops never come closer than this, well clear of the plan's minGapMs, even while catching up after a stall. */
export const MIN_CROP_GAP_MS = FRAME_INTERVAL_MS / 2;
/** No new camera frame for this long after a crop: the frame shown is cropped again, before the gap reaches maxGapMs. */
export const STALE_FRAME_MS = FRAME_LIMITS.maxGapMs - 80;
/** The half-interval of a page without frame callbacks: its animation frames come ~16 ms apart. */
const ANIMATION_HALF_FRAME_MS = 8;

/** The camera frame the video shows, on the step's clock. */
export interface FrameOnStepClock {
  serial: number;
  /** When it was shown, ms since the step's reveal (negative: before it). */
  at: number;
  /** The camera's recent interval between frames, ms. */
  interval: number;
}

export class CropSchedule {
  private lastSerial: number | null = null;
  private lastT = -Infinity;
  private due = 0;

  /** The time of the step's last crop (−Infinity before the first). */
  get last(): number {
    return this.lastT;
  }

  /**
   * The time the crop of the frame shown now would carry, or null to wait for a later animation frame. `now` is
   * the step's clock. `final` is the step's last chance for a frame near its end: any frame at least the plan's
   * smallest gap after the last crop.
   */
  next(shown: FrameOnStepClock | null, now: number, final = false): number | null {
    const fresh = shown === null || shown.serial !== this.lastSerial;
    // Never before the step began, never later than now.
    const t = shown !== null && fresh ? Math.min(now, Math.max(0, Math.round(shown.at))) : now;
    if (final) return t - this.lastT >= FRAME_LIMITS.minGapMs ? t : null;
    const half = shown === null ? ANIMATION_HALF_FRAME_MS : shown.interval / 2;
    // The frame nearest the grid's next point: the one after it would be further past it than this one is short.
    if (fresh && t >= this.due - half && t - this.lastT >= MIN_CROP_GAP_MS) return t;
    return now - this.lastT >= STALE_FRAME_MS ? now : null;
  }

  /** Records the crop taken at `t` of camera frame `serial` (null: unknown). */
  taken(t: number, serial: number | null): void {
    this.lastSerial = serial;
    this.lastT = t;
    // The grid moves on by one interval, but never stays so far behind that a stall is followed by a burst.
    this.due = Math.max(this.due + FRAME_INTERVAL_MS, t + MIN_CROP_GAP_MS);
  }
}
