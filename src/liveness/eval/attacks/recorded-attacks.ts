/**
 * Attacks that reuse frames captured earlier: (d) a bank of frames from earlier attempts of one source,
 * re-sorted by prompt and flash colour to match the new reveal, and (e) an earlier attempt's frames replayed
 * step for step, with their times relabelled to the new step's duration. The recorded attempts come from
 * `source` run on plans of other attempts (other seeds), as an attacker who watched earlier sessions holds.
 * (The MACs of those frames are useless to it, as each step key is new; replaying frames with their old MACs
 * needs the raw HTTP route and lives in the regression suite.)
 */
import type { FlashStep, PlanStep, PromptAction } from '../../../protocol/liveness-plan';
import { deriveAttemptPlan } from '../../../protocol/liveness-plan';
import type { CapturedFrame, FrameSource, StepContext } from '../../client/frame-source';
import { colourAt, frameTimes, uniform } from './timeline';

interface RecordedStep {
  step: PlanStep;
  frames: CapturedFrame[];
}

/** Runs `source` over `count` attempts with plans of their own; every step with its frames. */
export async function recordAttempts(source: FrameSource, count: number, seed: string): Promise<RecordedStep[][]> {
  const random = uniform(seed);
  const attempts: RecordedStep[][] = [];
  for (let k = 0; k < count; k++) {
    const planSeed = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
    const context: StepContext = { attempt: `recorded-${seed}-${k}`, attemptNumber: k, challengeId: 'recorded' };
    const steps: RecordedStep[] = [];
    for (const step of deriveAttemptPlan(planSeed)) steps.push({ step, frames: await source.capture(step, context) });
    attempts.push(steps);
  }
  return attempts;
}

/** A camera's latency the bank assumes when it labels a banked frame with the colour then on screen. */
const BANK_LATENCY_MS = 100;

export class BankAttack implements FrameSource {
  private readonly rests: CapturedFrame[][] = [];
  private readonly prompts = new Map<PromptAction, CapturedFrame[][]>();
  /** Flash-step frames by the colour on screen when they were taken ('none' while unlit). */
  private readonly lit = new Map<string, Uint8Array[]>();

  constructor(
    recorded: readonly RecordedStep[][],
    private readonly seed: string,
  ) {
    for (const { step, frames } of recorded.flat()) {
      if (step.kind === 'rest') this.rests.push(frames);
      if (step.kind === 'prompt') this.prompts.set(step.action, [...(this.prompts.get(step.action) ?? []), frames]);
      if (step.kind === 'flashes') {
        for (const frame of frames) {
          const key = colourKey(colourAt(step, frame.t - BANK_LATENCY_MS));
          this.lit.set(key, [...(this.lit.get(key) ?? []), frame.jpeg]);
        }
      }
    }
  }

  capture(step: PlanStep, context: StepContext): Promise<CapturedFrame[]> {
    const random = uniform(`${this.seed}/${context.attempt}/${step.index}`);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    if (step.kind === 'flashes') return Promise.resolve(this.flashes(step, random, pick));
    const banked =
      step.kind === 'prompt' ? (this.prompts.get(step.action) ?? [...this.prompts.values()].flat()) : this.rests;
    return Promise.resolve(retime(pick(banked), step.durationMs, random));
  }

  private flashes(step: FlashStep, random: () => number, pick: <T>(items: readonly T[]) => T): CapturedFrame[] {
    return frameTimes(step.durationMs, random).map((t) => {
      const wanted = this.lit.get(colourKey(colourAt(step, t - BANK_LATENCY_MS)));
      return { t, jpeg: pick(wanted && wanted.length > 0 ? wanted : (this.lit.get('none') ?? [])) };
    });
  }

  /** How many banked frames there are per flash colour (for reports and tests). */
  colours(): Record<string, number> {
    return Object.fromEntries([...this.lit].map(([key, frames]) => [key, frames.length]));
  }
}

const colourKey = (rgb: readonly number[] | null) => (rgb ? rgb.join(',') : 'none');

export class ReplayAttack implements FrameSource {
  constructor(private readonly recorded: readonly RecordedStep[][]) {}

  capture(step: PlanStep, context: StepContext): Promise<CapturedFrame[]> {
    const attempt = this.recorded[context.attemptNumber % this.recorded.length];
    const old = attempt[Math.min(step.index, attempt.length - 1)];
    return Promise.resolve(retime(old.frames, step.durationMs, uniform(`${context.attempt}/${step.index}`)));
  }
}

/**
 * Recorded frames relabelled onto a step of `durationMs`: new frame times at the camera's rate, each showing
 * the recorded frame at the same fraction of the old step (frames repeat or drop when the lengths differ).
 */
export function retime(frames: readonly CapturedFrame[], durationMs: number, random: () => number): CapturedFrame[] {
  const span = Math.max(1, frames[frames.length - 1].t);
  return frameTimes(durationMs, random).map((t) => {
    const at = (t / durationMs) * span;
    let best = frames[0];
    for (const frame of frames) if (Math.abs(frame.t - at) < Math.abs(best.t - at)) best = frame;
    return { t, jpeg: best.jpeg };
  });
}
