import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import type { WireFrame } from '../../src/liveness/client/liveness-client';
import { LivenessClient, LivenessClientError } from '../../src/liveness/client/liveness-client';
import { databaseKinds } from '../support/databases';
import { createSite } from '../support/fixtures';
import { dumpAllRows, framePatterns } from '../support/privacy';
import { LiveClipSource } from '../support/live-clip-source';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

const ORIGIN = 'https://shop.example.com';

/** Everything the app logs, as text: its Nest logger at debug level and anything written to stdout/stderr. */
class CapturedLogs implements LoggerService {
  readonly lines: string[] = [];
  private restore: (() => void) | null = null;
  log = (...args: unknown[]) => this.keep(args);
  error = (...args: unknown[]) => this.keep(args);
  warn = (...args: unknown[]) => this.keep(args);
  debug = (...args: unknown[]) => this.keep(args);
  verbose = (...args: unknown[]) => this.keep(args);
  fatal = (...args: unknown[]) => this.keep(args);

  captureStreams(): void {
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const tee =
      (write: typeof out) =>
      (chunk: unknown, ...rest: unknown[]): boolean => {
        this.lines.push(Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk));
        return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
      };
    process.stdout.write = tee(out) as typeof process.stdout.write;
    process.stderr.write = tee(err) as typeof process.stderr.write;
    this.restore = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
  }

  release(): void {
    this.restore?.();
  }

  private keep(args: unknown[]): void {
    this.lines.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
  }
}

describe.each(databaseKinds())('liveness privacy: frames reach neither the database nor the logs [%s]', (kind) => {
  let t: TestApp;
  const logs = new CapturedLogs();
  beforeAll(async () => {
    logs.captureStreams();
    // Debug level logs every request (route, status, time): the most this service ever writes.
    // Loopback is the trusted proxy and the attempts name their client, as the other liveness specs do.
    t = await startTestApp(kind, { LOG_LEVEL: 'debug', TRUST_PROXY: '1' }, { logger: logs });
  });
  afterAll(async () => {
    logs.release();
    await t?.close();
  });

  it('keeps no image bytes after an attempt that ran to its verdict and one refused mid-way', async () => {
    const site = await createSite(t, { level: 'liveness', difficulty: 'easy' });
    const issued = await request(t.baseUrl)
      .post('/api/v1/challenges')
      .set('Origin', ORIGIN)
      .send({ sitekey: site.sitekey })
      .expect(201);
    const sent: WireFrame[] = [];
    const client = (tamper: (frames: WireFrame[]) => WireFrame[]) =>
      new LivenessClient({
        baseUrl: t.baseUrl,
        source: new LiveClipSource(),
        headers: { 'X-Forwarded-For': '203.0.113.9' },
        clock: { now: () => t.clock.nowMs(), sleep: async (ms) => t.clock.advance(ms) },
        tamper: (frames) => {
          const out = tamper(frames);
          sent.push(...out);
          return out;
        },
      });

    const whole = await client((frames) => frames).runAttempt(issued.body.id);
    expect(whole.verdict.passed).toBe(false);
    // A frame whose MAC is wrong is refused after its bytes were read: it must not linger either.
    const refused = await client((frames) => frames.map((frame) => ({ ...frame, mac: 'A'.repeat(43) })))
      .runAttempt(issued.body.id)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LivenessClientError);
    expect(refused).toMatchObject({ code: 'frame-mac-invalid' });

    const patterns = [framePatterns(sent)];
    const rows = await dumpAllRows(t);
    const logged = logs.lines.join('\n');
    // The capture works: requests were logged and rows written, so an absence below means something.
    expect(logged).toContain('/api/v1/challenges/:id/liveness');
    expect(rows).toContain('frame-mac-invalid');
    for (const { text } of patterns) {
      for (const fragment of text) {
        expect(rows).not.toContain(fragment);
        expect(logged).not.toContain(fragment);
      }
    }
    if (kind === 'sqlite') {
      const file = t.database.url.replace(/^sqlite:/, '');
      const stored = fs
        .readdirSync(path.dirname(file))
        .map((name) => fs.readFileSync(path.join(path.dirname(file), name)));
      for (const { bytes } of patterns) {
        for (const fragment of bytes) for (const content of stored) expect(content.includes(fragment)).toBe(false);
      }
    }
  });
});
