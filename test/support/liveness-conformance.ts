/**
 * A CONFORMANCE HARNESS, not the service: a small HTTP responder that speaks the step route of liveness v2
 * (docs/liveness.md) to the widget's liveness chunk, so the browser tests can check what the chunk
 * sends (frame sizes, baseline JPEGs that decode, MACs verified with node:crypto, indices and times, the
 * byte budget). It judges no face: its verdicts are whatever the test asks for. The real service answers
 * the same route in test/browser/liveness-e2e.browser-spec.ts.
 *
 * It also forwards `GET /widget/*` to the real service, so the chunk loads MediaPipe from its serviceBase
 * as it would in production (the responder is that serviceBase).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LivenessHint } from '../../src/protocol/challenge-wire';
import type { PlanStep } from '../../src/protocol/liveness-plan';
import { deriveAttemptPlan, stepKeyMessage } from '../../src/protocol/liveness-plan';

export interface PostedFrame {
  i: number;
  t: number;
  jpeg: string;
  mac: string;
}

export interface RecordedStep {
  step: PlanStep;
  key: Buffer;
  frames: PostedFrame[];
  /** Server time from the reveal to the frames' arrival, ms. */
  elapsedMs: number;
}

export interface RecordedAttempt {
  id: string;
  plan: PlanStep[];
  steps: RecordedStep[];
  passed: boolean | null;
}

export class ConformanceResponder {
  readonly attempts: RecordedAttempt[] = [];
  /** Verdicts of the coming attempts, in order; an attempt beyond the list passes. */
  verdicts: Array<{ passed: boolean; hints: LivenessHint[] }> = [];
  private readonly revealed = new Map<string, { at: number; seed: string; next: number }>();

  private constructor(
    private readonly server: http.Server,
    readonly origin: string,
    private readonly serviceBase: string,
  ) {}

  static async start(serviceBase: string): Promise<ConformanceResponder> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const responder = new ConformanceResponder(server, `http://127.0.0.1:${port}`, serviceBase);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      // A widget file still streaming from the service when a suite closes both fails here: answer 502 (the
      // page is gone anyway) rather than leave a rejection that fails whichever suite runs next.
      responder.answer(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(String(error));
      });
    });
    return responder;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const cors = {
      'Access-Control-Allow-Origin': req.headers.origin ?? '*',
      'Access-Control-Allow-Headers': 'content-type',
      'Access-Control-Allow-Methods': 'POST',
    };
    const url = new URL(req.url ?? '/', this.origin);
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    if (req.method === 'GET' && url.pathname.startsWith('/widget/')) {
      const upstream = await fetch(new URL(url.pathname.slice(1), this.serviceBase));
      const body = Buffer.from(await upstream.arrayBuffer());
      const type = upstream.headers.get('content-type') ?? 'application/octet-stream';
      return void res.writeHead(upstream.status, { ...cors, 'Content-Type': type }).end(body);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || !/^\/api\/v1\/challenges\/[^/]+\/liveness$/.test(url.pathname)) {
      return void res.writeHead(404, cors).end();
    }
    const reply = this.step(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
    res.writeHead(reply.status, { ...cors, 'Content-Type': 'application/json' }).end(JSON.stringify(reply.body));
  }

  private step(body: Record<string, unknown>): { status: number; body: unknown } {
    if (body.attempt === undefined) {
      const seed = randomBytes(16).toString('hex');
      const attempt: RecordedAttempt = {
        id: randomUUID(),
        plan: deriveAttemptPlan(seed),
        steps: [],
        passed: null,
      };
      this.attempts.push(attempt);
      this.revealed.set(attempt.id, { at: performance.now(), seed, next: 0 });
      return { status: 200, body: { attempt: attempt.id, step: this.reveal(attempt, seed, 0) } };
    }
    const attempt = this.attempts.find((candidate) => candidate.id === body.attempt);
    const state = attempt && this.revealed.get(attempt.id);
    if (!attempt || !state || body.step !== state.next) return { status: 409, body: { code: 'liveness-step-invalid' } };
    const step = attempt.plan[state.next];
    attempt.steps.push({
      step,
      key: stepKey(state.seed, step.index),
      frames: body.frames as PostedFrame[],
      elapsedMs: performance.now() - state.at,
    });
    state.next++;
    state.at = performance.now();
    if (state.next < attempt.plan.length) {
      return { status: 200, body: { attempt: attempt.id, step: this.reveal(attempt, state.seed, state.next) } };
    }
    const verdict = this.verdicts.shift() ?? { passed: true, hints: [] };
    attempt.passed = verdict.passed;
    return { status: 200, body: { attempt: attempt.id, step: { index: state.next, kind: 'done' }, verdict } };
  }

  private reveal(attempt: RecordedAttempt, seed: string, index: number) {
    return { ...attempt.plan[index], key: stepKey(seed, index).toString('base64url') };
  }
}

/** HMAC-SHA256(seed bytes, "pp-liveness-step/v2\n" + index), as the plan defines the step key. */
export function stepKey(seed: string, index: number): Buffer {
  return createHmac('sha256', Buffer.from(seed, 'hex')).update(stepKeyMessage(index)).digest();
}
