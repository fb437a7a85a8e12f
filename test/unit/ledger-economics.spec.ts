import { describe, expect, it } from '@jest/globals';
import type { VisitorMix } from '../../src/ledger/economics-simulation';
import { DEFAULT_SIMULATION, simulateEconomics } from '../../src/ledger/economics-simulation';

const seedOf = (i: number) => i.toString(16).padStart(32, '0');
const MIXES: VisitorMix[] = ['none', 'few', 'any', 'mixed'];

// The protocol's own draw, sample, aggregation and canary settlement over 1,000 audit jobs per run.
describe('ledger economics over 1,000 jobs', () => {
  describe.each(MIXES)('visitors faking %s', (visitors) => {
    const runs = Array.from({ length: 4 }, (_, i) =>
      simulateEconomics({ ...DEFAULT_SIMULATION, seed: seedOf(i + 1), visitors }),
    );

    it('never slashes an honest peer, and pays every honest peer that served', () => {
      for (const run of runs) {
        for (const flow of run.peers.filter((p) => p.kind === 'honest')) {
          expect(flow.slashed).toEqual({ outlier: 0, canary: 0, absent: 0, recomputed: 0 });
          expect(flow.end).toBeGreaterThanOrEqual(flow.start);
          if (flow.drawn > 0) expect(flow.end).toBeGreaterThan(flow.start);
        }
      }
    });

    it('lowers the balance of lazy, colluding and offline peers in every run', () => {
      for (const run of runs) {
        for (const flow of run.peers.filter((p) => p.kind !== 'honest')) {
          expect({ peer: flow.peer, falls: flow.end < flow.start }).toEqual({ peer: flow.peer, falls: true });
        }
      }
    });
  });

  it('catches a lazy peer through canaries even when no visitor fakes anything', () => {
    const run = simulateEconomics({ ...DEFAULT_SIMULATION, seed: seedOf(99), visitors: 'none' });

    const lazy = run.peers.find((p) => p.kind === 'lazy')!;
    expect(run.caught).toBe(0);
    expect(lazy.slashed.canary).toBeGreaterThan(0);
  });

  it('without canaries, a lazy peer earns while no visitor fakes (why canaries exist)', () => {
    const run = simulateEconomics({ ...DEFAULT_SIMULATION, seed: seedOf(7), visitors: 'none', canaryRate: 0 });

    const lazy = run.peers.find((p) => p.kind === 'lazy')!;
    expect(lazy.end).toBeGreaterThan(lazy.start);
  });
});
