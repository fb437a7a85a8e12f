import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { SiteWithSecretDto } from '../../src/sites/sites.dto';
import { databaseKinds } from '../support/databases';
import { createSite, mintToken } from '../support/fixtures';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

/**
 * Backends written for reCAPTCHA and Turnstile with real, unmodified libraries from npm, pointed at the
 * running service by changing only the siteverify URL and the secret.
 */
const require = createRequire(path.resolve('package.json'));

interface GoogleRecaptchaClient {
  verify(input: { response: string; remoteIp?: string }, done: (error: Error | null, body: unknown) => void): void;
}
const GoogleRecaptcha = require('google-recaptcha') as new (options: {
  secret: string;
  apiUrl: string;
}) => GoogleRecaptchaClient;

interface TurnstileResult {
  success: boolean;
  hostname?: string;
  errors: string[];
  action?: string;
}
type TurnstileVerify = (
  token: string,
  options?: { apiUrl?: string; remoteip?: string; action?: string; hostname?: string },
) => Promise<TurnstileResult>;
const turnstile = require('cf-turnstile') as (secret: string) => TurnstileVerify;

const NESTLAB_BACKEND = path.resolve('test/support/backends/nestlab-recaptcha-backend.cjs');

/** The @nestlab/google-recaptcha backend in its own Node process; resolves once it listens. */
async function startNestlabBackend(siteverifyUrl: string, secret: string): Promise<{ url: string; stop(): void }> {
  const child: ChildProcess = spawn(process.execPath, [NESTLAB_BACKEND], {
    env: { PATH: process.env.PATH, SITEVERIFY_URL: siteverifyUrl, SECRET: secret },
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /listening (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => reject(new Error(`the nestlab backend exited (${code}):\n${output}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

function verifyWithGoogleRecaptcha(client: GoogleRecaptchaClient, response: string, remoteIp?: string) {
  return new Promise<{ error: Error | null; body: unknown }>((resolve) =>
    client.verify({ response, remoteIp }, (error, body) => resolve({ error, body })),
  );
}

describe.each(databaseKinds())('real siteverify client libraries [%s]', (kind) => {
  let t: TestApp;
  let site: SiteWithSecretDto;
  let nestlab: { url: string; stop(): void };
  beforeAll(async () => {
    t = await startTestApp(kind, { RATE_LIMIT_PER_MINUTE: '0' });
    site = await createSite(t);
    nestlab = await startNestlabBackend(`${t.baseUrl}/recaptcha/api/siteverify`, site.secret);
  });
  afterAll(async () => {
    nestlab?.stop();
    await t?.close();
  });

  describe('@nestlab/google-recaptcha (network option)', () => {
    const post = (route: string, token: string) =>
      fetch(`${nestlab.url}${route}`, { method: 'POST', headers: { recaptcha: token } });

    it('lets a visitor whose token carries the checked action through, once', async () => {
      const token = await mintToken(t, site, { action: 'login', score: 0.9 });

      const first = await post('/login', token);
      const replay = await post('/login', token);

      expect(first.status).toBe(201);
      expect(await first.json()).toEqual({ ok: 'login' });
      expect(replay.status).toBeGreaterThanOrEqual(400);
    });

    it("rejects @Recaptcha({action: 'login'}) for a token whose page set no action", async () => {
      const token = await mintToken(t, site, { action: null, score: 0.9 });

      const answer = await post('/login', token);

      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    });

    it('rejects a token minted for another action', async () => {
      const answer = await post('/login', await mintToken(t, site, { action: 'signup', score: 0.9 }));

      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    });

    it("applies the module's score threshold to the service's score", async () => {
      const high = await post('/signup', await mintToken(t, site, { action: null, score: 0.9 }));
      const low = await post('/signup', await mintToken(t, site, { action: null, score: 0.3 }));

      expect(high.status).toBe(201);
      expect(low.status).toBeGreaterThanOrEqual(400);
      expect(low.status).toBeLessThan(500);
    });
  });

  describe('google-recaptcha (apiUrl option)', () => {
    it('verifies a token, passing an X-Forwarded-For list as remoteIp, and refuses its replay', async () => {
      const client = new GoogleRecaptcha({ secret: site.secret, apiUrl: `${t.baseUrl}/recaptcha/api/siteverify` });
      const token = await mintToken(t, site);

      const first = await verifyWithGoogleRecaptcha(client, token, '203.0.113.7, 10.0.0.1');
      const replay = await verifyWithGoogleRecaptcha(client, token, '203.0.113.7');

      expect(first.error).toBeNull();
      expect(first.body).toMatchObject({ success: true, hostname: 'shop.example.com' });
      expect(replay.error?.message).toBe('Failed to verify: timeout-or-duplicate, already-seen-response');
    });

    it('works against the plain /siteverify path too', async () => {
      const client = new GoogleRecaptcha({ secret: site.secret, apiUrl: `${t.baseUrl}/siteverify` });

      const { error } = await verifyWithGoogleRecaptcha(client, await mintToken(t, site), '203.0.113.7:5555');

      expect(error).toBeNull();
    });
  });

  describe('cf-turnstile (apiUrl option)', () => {
    const apiUrl = () => `${t.baseUrl}/turnstile/v0/siteverify`;

    it('verifies a token with its hostname and action checks', async () => {
      const verify = turnstile(site.secret);
      const token = await mintToken(t, site, { action: 'signup' });

      const result = await verify(token, {
        apiUrl: apiUrl(),
        remoteip: '[2001:db8::1]:443',
        hostname: 'shop.example.com',
        action: 'signup',
      });

      expect(result).toMatchObject({ success: true, hostname: 'shop.example.com', errors: [], action: 'signup' });
    });

    it('fails its action check for a token whose page set no action', async () => {
      const verify = turnstile(site.secret);

      const result = await verify(await mintToken(t, site, { action: null }), { apiUrl: apiUrl(), action: 'signup' });

      expect(result.success).toBe(false);
      expect(result.errors).toEqual(['cfts-action-mismatch']);
    });

    it("passes with Turnstile's always-pass test secret and fails with its always-fail one", async () => {
      const pass = await turnstile('1x0000000000000000000000000000000AA')('XXXX.DUMMY.TOKEN.XXXX', {
        apiUrl: apiUrl(),
      });
      const fail = await turnstile('2x0000000000000000000000000000000AA')('XXXX.DUMMY.TOKEN.XXXX', {
        apiUrl: apiUrl(),
      });

      expect(pass).toMatchObject({ success: true, errors: [] });
      expect(fail).toMatchObject({ success: false, errors: ['invalid-input-response'] });
    });
  });
});
