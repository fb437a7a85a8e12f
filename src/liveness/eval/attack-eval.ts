/**
 * `npm run eval:liveness`: every attack of the kit through the real service, over its real HTTP API, with
 * the reference client. The service runs in this process on a throwaway SQLite database and a manual clock
 * (the client's waits move it, so an attempt takes its CPU time, not its 12 s of script). Reported per
 * attack: APCER (accepted / attempts, ISO/IEC 30107-3), the reasons that rejected the attempts, and the
 * service's CPU per attempt.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { ManualClock } from '../../adapters/clock.adapter';
import { JpegAdapter } from '../../adapters/jpeg.adapter';
import { createApp } from '../../bootstrap';
import { loadConfig } from '../../config/app-config';
import { LivenessAttemptEntity } from '../attempts/liveness-attempt.entity';
import type { FrameSource } from '../client/frame-source';
import { fetchReconnecting, LivenessClient, LivenessClientError } from '../client/liveness-client';
import type { Attack, AttackId } from './attacks/catalog';
import { buildAttackKit } from './attacks/catalog';
import type { ReasonFamily } from './reason-families';
import { familiesOf, REASON_FAMILIES } from './reason-families';

const ORIGIN = 'https://eval.example.com';

export interface AttackOutcome {
  id: AttackId;
  name: string;
  mustFail: boolean;
  attempts: number;
  accepted: number;
  /** Reason → attempts it appeared in. */
  reasons: Record<string, number>;
  /** Check family → attempts it failed (every step analysed unless `endOnFailure`). */
  stoppedBy: Partial<Record<ReasonFamily, number>>;
  /** CPU time of this process while the service handled the attempt's requests, ms per attempt. */
  serverCpuMs: number;
}

/** A running service and what the eval needs of it. */
export interface EvalService {
  baseUrl: string;
  clock: ManualClock;
  app: NestFastifyApplication;
  sitekey: string;
  close(): Promise<void>;
}

/** The real application on a fresh SQLite file, a manual clock and one liveness site. */
export async function startEvalService(env: Record<string, string> = {}): Promise<EvalService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-eval-'));
  const adminToken = `eval-${Math.random().toString(36).slice(2)}-admin-token`;
  const config = loadConfig({
    DATABASE_URL: `sqlite:${path.join(dir, 'eval.sqlite')}`,
    ADMIN_TOKEN: adminToken,
    DEMO_SITE: 'false',
    LOG_LEVEL: 'error',
    TORRENT_ENABLED: 'false',
    // Every attempt comes from an address of its own, so per-address limits measure nothing here.
    TRUST_PROXY: '1',
    DATA_DIR: dir,
    ...env,
  });
  const clock = new ManualClock(Date.now());
  const app = await createApp(config, { clock, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const response = await fetch(`${baseUrl}/api/v1/admin/sites`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ hostnames: [new URL(ORIGIN).hostname], level: 'liveness', difficulty: 'easy' }),
  });
  if (!response.ok) throw new Error(`creating the liveness site failed: ${response.status} ${await response.text()}`);
  const { sitekey } = (await response.json()) as { sitekey: string };
  return {
    baseUrl,
    clock,
    app,
    sitekey,
    close: async () => {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface AttemptOutcome {
  passed: boolean;
  reasons: string[];
  serverCpuMs: number;
}

let addressCounter = 0;

/** One attempt of `source` on a fresh challenge: the verdict, the reasons the service stored, its CPU time. */
export async function runAttempt(
  service: EvalService,
  source: FrameSource,
  attemptNumber = 0,
): Promise<AttemptOutcome> {
  const n = ++addressCounter;
  const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  let cpu = 0;
  // While a request is pending this process does the service's work (the client only waits).
  const timedFetch: typeof fetch = async (input, init) => {
    const before = process.cpuUsage();
    try {
      return await fetch(input, init);
    } finally {
      const used = process.cpuUsage(before);
      cpu += (used.user + used.system) / 1000;
    }
  };
  const issued = await fetchReconnecting(timedFetch, `${service.baseUrl}/api/v1/challenges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, 'x-forwarded-for': ip },
    body: JSON.stringify({ sitekey: service.sitekey }),
  });
  if (!issued.ok) throw new Error(`issuing a challenge failed: ${issued.status} ${await issued.text()}`);
  const challenge = (await issued.json()) as { id: string };
  const client = new LivenessClient({
    baseUrl: service.baseUrl,
    source,
    headers: { 'x-forwarded-for': ip },
    clock: { now: () => service.clock.nowMs(), sleep: (ms) => Promise.resolve(service.clock.advance(ms)) },
    fetch: timedFetch,
  });
  try {
    const result = await client.runAttempt(challenge.id, attemptNumber);
    const row = await service.app
      .get(DataSource)
      .getRepository(LivenessAttemptEntity)
      .findOneByOrFail({ id: result.attempt });
    return { passed: result.verdict.passed, reasons: row.reasons ?? [], serverCpuMs: cpu };
  } catch (error) {
    // A refused post ends the attempt: the refusal's code is its reason.
    if (error instanceof LivenessClientError)
      return { passed: false, reasons: [`http-${error.code}`], serverCpuMs: cpu };
    throw error;
  }
}

export interface AttackEvalOptions {
  attempts: number;
  only?: readonly string[];
  fixtures?: string;
  /**
   * End each attempt at its first failed step, as production does. Off (the default here), every step is
   * analysed, so each check is measured against each attack rather than only the first that stopped it.
   */
  endOnFailure?: boolean;
  progress?: (line: string) => void;
}

export async function evaluateAttacks(options: AttackEvalOptions): Promise<AttackOutcome[]> {
  const kit = (await buildAttackKit(new JpegAdapter(), { fixtures: options.fixtures })).filter(
    (attack: Attack) => !options.only || options.only.includes(attack.id),
  );
  const service = await startEvalService({ LIVENESS_END_ON_FAILURE: String(options.endOnFailure ?? false) });
  const outcomes: AttackOutcome[] = [];
  try {
    for (const attack of kit) {
      const outcome: AttackOutcome = {
        ...pick(attack),
        attempts: 0,
        accepted: 0,
        reasons: {},
        stoppedBy: {},
        serverCpuMs: 0,
      };
      for (let k = 0; k < options.attempts; k++) {
        const result = await runAttempt(service, attack.source, k);
        outcome.attempts++;
        if (result.passed) outcome.accepted++;
        for (const reason of new Set(result.reasons)) outcome.reasons[reason] = (outcome.reasons[reason] ?? 0) + 1;
        for (const family of familiesOf(result.reasons)) {
          outcome.stoppedBy[family] = (outcome.stoppedBy[family] ?? 0) + 1;
        }
        outcome.serverCpuMs += result.serverCpuMs;
      }
      outcome.serverCpuMs /= Math.max(1, outcome.attempts);
      options.progress?.(`${attack.id}: ${outcome.accepted}/${outcome.attempts} accepted`);
      outcomes.push(outcome);
    }
  } finally {
    await service.close();
  }
  return outcomes;
}

const pick = ({ id, name, mustFail }: Attack) => ({ id, name, mustFail });

export function formatAttackReport(outcomes: readonly AttackOutcome[], cores = 2): string {
  const lines = [
    `attack  APCER            server ms/attempt  attempts/s on ${cores} cores  target  failed checks (attempts)`,
    ...outcomes.map((o) => {
      const apcer = `${((o.accepted / Math.max(1, o.attempts)) * 100).toFixed(1)}% (${o.accepted}/${o.attempts})`;
      const reasons = (Object.keys(REASON_FAMILIES) as ReasonFamily[])
        .filter((family) => o.stoppedBy[family])
        .map((family) => `${family} ${o.stoppedBy[family]}`)
        .join(', ');
      const rate = o.serverCpuMs > 0 ? ((cores * 1000) / o.serverCpuMs).toFixed(2) : 'n/a';
      return `${o.id.padEnd(7)} ${apcer.padEnd(16)} ${o.serverCpuMs.toFixed(0).padStart(17)}  ${rate.padStart(21)}  ${(o.mustFail ? '0' : 'measure').padEnd(6)}  ${reasons}`;
    }),
    '',
    ...outcomes.map((o) => `${o.id}: ${o.name}`),
  ];
  return lines.join('\n');
}
