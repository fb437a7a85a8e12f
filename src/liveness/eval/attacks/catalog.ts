/**
 * The attack kit (docs/liveness.md, threat model): every attack the liveness level is measured against, as a
 * FrameSource the reference client drives through the real HTTP API. `reasons` names the family of check
 * that should reject it; the eval reports what actually did.
 */
import type { JpegAdapter } from '../../../adapters/jpeg.adapter';
import type { FrameSource } from '../../client/frame-source';
import { FaceSwapAttack, RealVideoAttack } from './clip-attacks';
import { DEFAULT_FIXTURES, loadClips, loadStills } from './faces';
import { BankAttack, ReplayAttack, recordAttempts } from './recorded-attacks';
import { StillAttack } from './still-attacks';

export type AttackId = 'a' | 'b' | 'c' | 'd' | 'e' | 'f-node' | 'g' | 'h' | 'i' | 'i-lit';

export interface Attack {
  id: AttackId;
  name: string;
  /** Whether the level claims to stop it (issue targets: APCER 0 for a–g; h and i measured). */
  mustFail: boolean;
  /** Check families expected to reject it (prefixes of verdict reasons). */
  reasons: readonly string[];
  source: FrameSource;
}

export interface AttackKitOptions {
  fixtures?: string;
  seed?: string;
  /** Earlier attempts the bank (d) and the replay (e) record first. */
  recordedAttempts?: number;
}

/** The cooperative stand-in: warped expressions, live timing, light added physically. */
export function cooperativeStandIn(jpeg: JpegAdapter, fixtures = DEFAULT_FIXTURES, seed = 'cooperative'): StillAttack {
  return new StillAttack(
    jpeg,
    loadStills(jpeg, fixtures),
    { expressions: 'warp', light: 'physical', timing: 'live' },
    seed,
  );
}

export async function buildAttackKit(jpeg: JpegAdapter, options: AttackKitOptions = {}): Promise<Attack[]> {
  const fixtures = options.fixtures ?? DEFAULT_FIXTURES;
  const seed = options.seed ?? 'attack-kit';
  const stills = loadStills(jpeg, fixtures);
  const clips = loadClips(jpeg, fixtures);
  const still = (id: string, o: ConstructorParameters<typeof StillAttack>[2]) =>
    new StillAttack(jpeg, stills, o, `${seed}/${id}`);
  // The bank and the replay reuse frames of the best source there is: the cooperative stand-in, whose own
  // live attempts are meant to pass.
  const recorded = await recordAttempts(
    cooperativeStandIn(jpeg, fixtures, `${seed}/recorded`),
    options.recordedAttempts ?? 6,
    seed,
  );
  return [
    {
      id: 'a',
      name: 'one photo, offline synthesis (rigid pose, colour cast)',
      mustFail: true,
      reasons: ['prompt', 'flash'],
      source: still('a', { expressions: 'rigid', light: 'cast', timing: 'scheduled' }),
    },
    {
      id: 'b',
      name: 'tint inside the face outline only',
      mustFail: true,
      reasons: ['prompt', 'flash'],
      source: still('b', { expressions: 'rigid', light: 'face-only', timing: 'live' }),
    },
    {
      id: 'c',
      name: 'tint over the whole frame',
      mustFail: true,
      reasons: ['prompt', 'flash'],
      source: still('c', { expressions: 'rigid', light: 'flat', timing: 'live' }),
    },
    {
      id: 'd',
      name: 'bank of frames from earlier attempts, re-sorted',
      mustFail: true,
      reasons: ['flash', 'continuity', 'prompt', 'identity'],
      source: new BankAttack(recorded, `${seed}/d`),
    },
    {
      id: 'e',
      name: 'replayed earlier attempt, relabelled',
      mustFail: true,
      reasons: ['prompt', 'flash', 'continuity'],
      source: new ReplayAttack(recorded),
    },
    {
      id: 'f-node',
      name: 'rigid photo puppet, physical light (Node stand-in for the WebGL puppet)',
      mustFail: true,
      reasons: ['prompt'],
      source: still('f', { expressions: 'rigid', light: 'physical', timing: 'live' }),
    },
    {
      id: 'g',
      name: "a real person's video ignoring the prompts",
      mustFail: true,
      reasons: ['prompt', 'flash'],
      source: new RealVideoAttack(jpeg, clips, `${seed}/g`),
    },
    {
      id: 'h',
      name: 'face swap over a real clip',
      mustFail: false,
      reasons: ['prompt', 'flash', 'identity', 'deepfake'],
      source: new FaceSwapAttack(jpeg, clips[0], clips[1], `${seed}/h`),
    },
    {
      id: 'i',
      name: 'photo animated by 2D warps, no flash response (reenactment stand-in)',
      mustFail: false,
      reasons: ['flash'],
      source: still('i', { expressions: 'warp', light: null, timing: 'live' }),
    },
    {
      id: 'i-lit',
      name: 'photo animated by 2D warps, light added physically (cooperative stand-in)',
      mustFail: false,
      reasons: [],
      source: cooperativeStandIn(jpeg, fixtures, `${seed}/i-lit`),
    },
  ];
}
