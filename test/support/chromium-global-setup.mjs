/**
 * Jest globalSetup of the browser project: finds the Chromium to drive (test/support/chromium.mjs) once and
 * names it in PEERPROOF_CHROMIUM for the test workers, which inherit this process's environment.
 */
import { performance } from 'node:perf_hooks';
import { resolveChromium } from './chromium.mjs';

export default async function findChromiumForRun() {
  if (process.env.PEERPROOF_TEST_SKIP_BROWSER === '1') return;
  const started = performance.now();
  process.env.PEERPROOF_CHROMIUM = await resolveChromium(process.env);
  const ms = Math.round(performance.now() - started);
  process.stderr.write(`\nbrowser tests drive ${process.env.PEERPROOF_CHROMIUM} (found in ${ms} ms)\n`);
}
