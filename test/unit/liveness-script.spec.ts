import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LivenessScript } from '../../src/protocol/liveness';
import {
  EVIDENCE_LIMITS,
  FLASH_PALETTE,
  PROMPT_ACTIONS,
  deriveLivenessScript,
  livenessEvidenceSchema,
} from '../../src/protocol/liveness';

const vectors = JSON.parse(fs.readFileSync(path.resolve('test/fixtures/liveness-vectors.json'), 'utf8')) as {
  vectors: { nonce: string; script: LivenessScript }[];
};

const nonceOf = (i: number) => i.toString(16).padStart(32, '0');

describe('liveness script', () => {
  it.each(vectors.vectors.map((v) => [v.nonce, v.script] as const))(
    'matches the test vector of %s',
    (nonce, script) => {
      expect(deriveLivenessScript(nonce)).toEqual(script);
    },
  );

  it('asks for 2–3 distinct actions and 5–8 flashes, capturing once per flash and twice unlit', () => {
    const promptCounts = new Set<number>();
    const flashCounts = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const sut = deriveLivenessScript(nonceOf(i * 7919 + 1));
      promptCounts.add(sut.prompts.length);
      flashCounts.add(sut.flashes.length);
      expect(new Set(sut.prompts.map((p) => p.action)).size).toBe(sut.prompts.length);
      for (const p of sut.prompts) expect(PROMPT_ACTIONS).toContain(p.action);
      sut.prompts.slice(1).forEach((p, k) => expect(p.start).toBeGreaterThan(sut.prompts[k].end));
      sut.flashes.forEach((f, k) => {
        expect(f.rgb).toEqual(FLASH_PALETTE[f.colour]);
        expect(f.end - f.start).toBeGreaterThanOrEqual(300);
        expect(f.end - f.start).toBeLessThanOrEqual(500);
        if (k > 0) expect(f.colour).not.toBe(sut.flashes[k - 1].colour);
        if (k > 0) expect(f.start).toBe(sut.flashes[k - 1].end);
      });
      expect(sut.flashes[0].start).toBeGreaterThan(sut.prompts[sut.prompts.length - 1].end);
      expect(sut.captures).toHaveLength(sut.flashes.length + 2);
      const lit = sut.captures.filter((c) => c.flashIndex !== null);
      lit.forEach((c) => {
        const flash = sut.flashes[c.flashIndex!];
        expect(c.t).toBeGreaterThan(flash.start);
        expect(c.t).toBeLessThan(flash.end);
      });
      expect(sut.durationMs).toBeLessThanOrEqual(EVIDENCE_LIMITS.maxDurationMs);
    }
    expect([...promptCounts].sort()).toEqual([2, 3]);
    expect([...flashCounts].sort()).toEqual([5, 6, 7, 8]);
  });

  it('gives different nonces different scripts and refuses a malformed nonce', () => {
    expect(deriveLivenessScript(nonceOf(1))).not.toEqual(deriveLivenessScript(nonceOf(2)));
    expect(() => deriveLivenessScript('XYZ')).toThrow(RangeError);
  });
});

describe('liveness evidence schema', () => {
  const frame = {
    t: 0,
    yaw: 0,
    pitch: 0,
    roll: 0,
    blink: 0,
    smile: 0,
    jawOpen: 0,
    box: { x: 0.3, y: 0.3, w: 0.3, h: 0.4 },
  };
  const crop = {
    t: 500,
    flashIndex: null,
    width: 224,
    height: 224,
    box: { x: 0.33, y: 0.33, w: 0.33, h: 0.33 },
    jpeg: '/9j/4AAQ',
  };
  const valid = {
    version: 1,
    nonce: nonceOf(5),
    frames: Array.from({ length: 20 }, (_, i) => ({ ...frame, t: i * 66 })),
    crops: [crop],
  };

  it('accepts well-formed evidence', () => {
    expect(livenessEvidenceSchema.safeParse(valid).success).toBe(true);
  });

  it.each([
    ['too many frames', { frames: Array.from({ length: 601 }, (_, i) => ({ ...frame, t: i })) }],
    ['too few frames', { frames: [frame] }],
    ['too many crops', { crops: Array.from({ length: 11 }, () => crop) }],
    ['a crop too large', { crops: [{ ...crop, width: 321 }] }],
    ['a crop too small', { crops: [{ ...crop, height: 95 }] }],
    ['a crop over 48 KiB', { crops: [{ ...crop, jpeg: 'A'.repeat(70_000) }] }],
    ['a crop that is not base64', { crops: [{ ...crop, jpeg: 'not base64!' }] }],
    ['a score above 1', { frames: valid.frames.map((f) => ({ ...f, smile: 1.5 })) }],
    ['an unknown field', { extra: true }],
    ['a flash index beyond 7', { crops: [{ ...crop, flashIndex: 8 }] }],
  ])('rejects %s', (_name, change) => {
    expect(livenessEvidenceSchema.safeParse({ ...valid, ...change }).success).toBe(false);
  });
});
