/**
 * Which camera frame the <video> shows, since when, and how often the camera delivers, from
 * requestVideoFrameCallback (Chromium, Safari 15.4+, Firefox 132+), for the step's crop schedule
 * (crop-schedule.ts). Where the browser has no such callback, current() stays null.
 */
export interface ShownFrame {
  /** Rises by at least one with every frame the video presents. */
  serial: number;
  /** When it was handed to the compositor: the performance.now() clock. */
  presentedAt: number;
  /** The camera's recent interval between frames, ms (a running mean). */
  interval: number;
}

/** A camera's interval until two frames were seen: 30 frames a second. */
const INITIAL_INTERVAL_MS = 1000 / 30;

export class VideoFrameClock {
  private shown: ShownFrame | null = null;
  private handle: number | null = null;

  constructor(private readonly video: HTMLVideoElement) {
    if (typeof video.requestVideoFrameCallback === 'function') this.listen();
  }

  /** The frame shown now; null while the browser has not told (or cannot). */
  current(): ShownFrame | null {
    return this.shown;
  }

  stop(): void {
    if (this.handle !== null) this.video.cancelVideoFrameCallback(this.handle);
    this.handle = null;
  }

  private listen(): void {
    this.handle = this.video.requestVideoFrameCallback((now, metadata) => {
      const presentedAt = metadata.presentationTime ?? now;
      const previous = this.shown;
      const frames = previous ? metadata.presentedFrames - previous.serial : 0;
      const latest = previous && frames > 0 ? (presentedAt - previous.presentedAt) / frames : INITIAL_INTERVAL_MS;
      const interval = previous ? 0.7 * previous.interval + 0.3 * latest : INITIAL_INTERVAL_MS;
      this.shown = { serial: metadata.presentedFrames, presentedAt, interval };
      this.listen();
    });
  }
}
