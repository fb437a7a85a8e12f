// Ledger economics (npm run bench:economics): RUNS runs of JOBS audit jobs each, 9 honest, 1 lazy (always
// answers 1, never runs the model), 2 colluding (answer 1 with one voice, the majority they expect) and 1
// offline peer, each starting with 1,000 staked; visitors fake a mix of nothing, a few and any share of their
// 64 outputs. The same runs without canaries are the baseline. Prints the net flows per kind of peer (the
// table in docs/ledger.md) and in how many runs each non-honest peer's balance fell.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { DEFAULT_SIMULATION, flowsByKind, simulateEconomics } = require(
  path.resolve('dist/src/ledger/economics-simulation.js'),
);

const RUNS = Number(process.env.ECONOMICS_RUNS ?? 20);
const JOBS = Number(process.env.ECONOMICS_JOBS ?? 1000);
const seedOf = (i) => i.toString(16).padStart(32, '0');

function runAll(canaryRate) {
  return Array.from({ length: RUNS }, (_, i) =>
    simulateEconomics({ ...DEFAULT_SIMULATION, jobs: JOBS, canaryRate, seed: seedOf(i + 1), visitors: 'mixed' }),
  );
}

function report(title, results) {
  const table = flowsByKind(results);
  console.log(`\n${title}: ${RUNS} runs × ${JOBS} jobs, per peer per run (mean)`);
  console.log(
    '| peer kind | peers | start | rewarded | slashed outlier | slashed canary | slashed recomputed | slashed absent | end | net | balance fell in |',
  );
  console.log('| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |');
  for (const [kind, row] of table) {
    const per = (value) => Math.round(value / row.peers);
    const flows = results.flatMap((r) => r.peers.filter((p) => p.kind === kind));
    const fell = flows.filter((p) => p.end < p.start).length;
    console.log(
      `| ${kind} | ${row.peers / RUNS} | ${per(row.start)} | ${per(row.rewarded)} | ${per(row.slashed.outlier)} | ` +
        `${per(row.slashed.canary)} | ${per(row.slashed.recomputed)} | ${per(row.slashed.absent)} | ${per(row.end)} | ${per(row.end - row.start)} | ` +
        `${fell}/${flows.length} |`,
    );
  }
  const sum = (key) => results.reduce((total, r) => total + r[key], 0);
  console.log(
    `canaries ${sum('canaries')}, fakes caught ${sum('caught')}, disputes settled by recompute ${sum('disputes')}`,
  );
  return table;
}

const started = performance.now();
const withCanaries = report('With canaries (PEER_CANARY_RATE 0.1)', runAll(0.1));
const baseline = report('Baseline: no canaries', runAll(0));
const net = (table, kind) => {
  const row = table.get(kind);
  return (row.end - row.start) / row.peers;
};
console.log(
  `\nlazy peer's mean net: ${net(withCanaries, 'lazy').toFixed(0)} with canaries vs ${net(baseline, 'lazy').toFixed(0)} without; ` +
    `honest: ${net(withCanaries, 'honest').toFixed(0)} vs ${net(baseline, 'honest').toFixed(0)} ` +
    `(ratio ${(net(withCanaries, 'honest') / net(baseline, 'honest')).toFixed(2)})`,
);
console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
