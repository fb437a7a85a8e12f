import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DatabaseKind, TestDatabase } from '../support/databases';
import { createTestDatabase, databaseKinds } from '../support/databases';
import { freePort } from '../support/net';

/** The compiled CLI, as users run it: `npm test` builds first. */
const ROOT = process.cwd();
const BIN = path.join(ROOT, 'bin', 'peerproof.js');
const ENTRY = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: nothing from the test runner's own (NODE_ENV, PORT, ...) leaks into the CLI. */
function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, PEERPROOF_HOME: ROOT, ...env };
}

function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cliEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function expectExit(result: CliResult, code: number): void {
  if (result.code !== code) {
    throw new Error(`expected exit ${code}, got ${result.code} (${result.signal})\n${result.stderr}\n${result.stdout}`);
  }
}

beforeAll(() => {
  if (!fs.existsSync(ENTRY)) {
    throw new Error(
      `${path.relative(ROOT, ENTRY)} is missing: the CLI tests run the compiled CLI; run \`npm run build\``,
    );
  }
});

/** Runs `work` on every item, `limit` at a time: CLI processes spend most of their time starting up. */
async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe.each(databaseKinds())('peerproof sites [%s]', (kind: DatabaseKind) => {
  let database: TestDatabase;
  const cli = (...args: string[]) => runCli(['sites', ...args], { DATABASE_URL: database.url });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database?.drop());

  /** create --json, list, rotate-secret (with and without --now), delete. */
  const jsonLifecycle = async () => {
    const created = await cli('create', '--hostname', 'A.Example.com', '--json');
    expectExit(created, 0);
    const site = JSON.parse(created.stdout);
    expect(site).toMatchObject({
      sitekey: expect.stringMatching(/^ppk_/),
      secret: expect.stringMatching(/^pps_[A-Za-z0-9_-]{43}$/),
      name: 'a.example.com',
      hostnames: ['a.example.com'],
      level: 'compute',
      scoreThreshold: 0.5,
      difficulty: 'normal',
      previousSecretValidUntil: null,
    });

    const listed = await cli('list', '--json');
    expectExit(listed, 0);
    const { secret, ...withoutSecret } = site;
    expect(JSON.parse(listed.stdout)).toContainEqual(withoutSecret);
    expect(listed.stdout).not.toContain(secret);

    const rotated = await cli('rotate-secret', site.sitekey, '--json');
    expectExit(rotated, 0);
    const afterRotation = JSON.parse(rotated.stdout);
    expect(afterRotation.secret).toMatch(/^pps_/);
    expect(afterRotation.secret).not.toBe(secret);
    expect(afterRotation.previousSecretValidUntil).not.toBeNull();

    const revoked = await cli('rotate-secret', site.sitekey, '--now', '--json');
    expectExit(revoked, 0);
    expect(JSON.parse(revoked.stdout).previousSecretValidUntil).toBeNull();

    const deleted = await cli('delete', site.sitekey);
    expectExit(deleted, 0);
    expect(deleted.stdout).toBe(`deleted ${site.sitekey}\n`);
    const gone = await cli('delete', site.sitekey);
    expectExit(gone, 1);
    expect(gone.stderr).toContain('error [site-not-found]');
  };

  /** create with every option and text output, then the text list. */
  const textLifecycle = async () => {
    const created = await cli(
      'create',
      '--hostname',
      'shop.example.com',
      '--hostname',
      '*.shop.example.com',
      '--name',
      'Shop',
      '--level',
      'liveness',
      '--score-threshold',
      '0.7',
      '--difficulty',
      'hard',
      '--liveness-threshold',
      '0.8',
      '--liveness-fallback',
    );
    expectExit(created, 0);
    const sitekey = /^sitekey:\s+(ppk_\S+)$/m.exec(created.stdout)?.[1];
    expect(sitekey).toBeDefined();
    expect(created.stdout).toMatch(/^secret:\s+pps_\S{43}$/m);
    expect(created.stdout).toContain('hostnames:  shop.example.com, *.shop.example.com');
    expect(created.stdout).toContain('threshold:  0.7');
    expect(created.stdout).toContain('liveness threshold: 0.8');
    expect(created.stdout).toContain('camera-less fallback: compute level allowed');
    expect(created.stdout).toContain('Store the secret now: it is shown only once.');

    const listed = await cli('list');
    expectExit(listed, 0);
    expect(listed.stdout).toContain(`${sitekey}  liveness  Shop  [shop.example.com, *.shop.example.com]`);
    expect(listed.stdout).not.toContain('pps_');
  };

  it('creates, lists, rotates and deletes sites, in JSON and in text', async () => {
    // The first command creates the schema; two processes racing to migrate a fresh database is not the point here.
    const empty = await cli('list', '--json');
    expectExit(empty, 0);
    expect(JSON.parse(empty.stdout)).toEqual([]);

    await Promise.all([jsonLifecycle(), textLifecycle()]);
  });
});

describe('peerproof with bad arguments or configuration', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 2 with the reason on stderr for bad arguments, and creates nothing', async () => {
    const env = { DATABASE_URL: `sqlite:${path.join(dir, 'args.sqlite')}` };
    const cases: [string[], string][] = [
      [['create', '--hostname', 'https://shop.example.com'], 'error [invalid-argument]: hostnames:'],
      [['create', '--hostname', 'a.com', '--score-threshold', 'high'], 'error [invalid-argument]'],
      [['create', '--hostname', 'a.com', '--level', 'ultra'], "argument 'ultra' is invalid"],
      [['create'], "required option '--hostname <hostname...>' not specified"],
      [['list', '--yaml'], "unknown option '--yaml'"],
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['rotate-secret', 'pps_this-is-a-secret'], 'error [invalid-argument]: not a sitekey'],
      [['delete'], "missing required argument 'sitekey'"],
    ];

    const results = await inParallel(cases, 4, ([args]) => runCli(['sites', ...args], env));

    const seen = results.map((result, i) => ({
      args: cases[i][0].join(' '),
      code: result.code,
      stdout: result.stdout,
      named: result.stderr.includes(cases[i][1]),
    }));
    expect(seen).toEqual(cases.map(([args]) => ({ args: args.join(' '), code: 2, stdout: '', named: true })));
    const listed = await runCli(['sites', 'list', '--json'], env);
    expectExit(listed, 0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('exits 78 naming every bad variable, for sites and serve alike', async () => {
    const [sites, serve] = await Promise.all([
      runCli(['sites', 'list'], { PORT: 'abc', DATABASE_URL: 'sqlite::memory:' }),
      runCli(['serve'], { PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' }),
    ]);

    expectExit(sites, 78);
    expect(sites.stderr).toContain('PORT: must be a whole number');
    expectExit(serve, 78);
    expect(serve.stderr).toContain('PORT: must be a whole number');
    expect(serve.stderr).toContain('LOG_LEVEL: must be one of');
    expect(serve.stderr).toContain('DATABASE_URL: must be sqlite:PATH or postgres://');
  });
});

describe.each(databaseKinds())('peerproof serve [%s]', (kind: DatabaseKind) => {
  let database: TestDatabase;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await database?.drop();
  });

  it('serves with a working demo secret and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      DEMO_SITE: 'true',
      // The service key goes to a scratch folder, and no test opens a BitTorrent port or joins the DHT.
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-serve-')),
      TORRENT_ENABLED: 'false',
    };
    const server = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env: cliEnv(env) });
    child = server;
    let stdout = '';
    let stderr = '';
    server.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    server.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      server.on('exit', (code, signal) => resolve([code, signal])),
    );

    const demo = await new Promise<{ sitekey: string; secret: string }>((resolve, reject) => {
      const look = () => {
        const sitekey = /sitekey:\s+(ppk_\S+)/.exec(stdout)?.[1];
        const secret = /secret:\s+(pps_\S+)/.exec(stdout)?.[1];
        if (sitekey && secret) resolve({ sitekey, secret });
      };
      server.stdout.on('data', look);
      void exited.then(([code]) => reject(new Error(`serve exited early (${code}):\n${stderr}\n${stdout}`)));
    });

    const health = await fetch(`${baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const verify = async (fields: Record<string, string>) => {
      const response = await fetch(`${baseUrl}/siteverify`, { method: 'POST', body: new URLSearchParams(fields) });
      return (await response.json())['error-codes'];
    };
    // The demo secret is accepted: a bogus token is then rejected as a token, not as a secret.
    expect(await verify({ secret: demo.secret, response: 'ppt_x' })).toEqual(['invalid-input-response']);
    expect(await verify({ secret: demo.secret, response: 'ppt_x', sitekey: demo.sitekey })).toEqual([
      'invalid-input-response',
    ]);
    expect(await verify({ secret: `${demo.secret}x`, response: 'ppt_x' })).toEqual(['invalid-input-secret']);

    server.kill('SIGTERM');
    const [code, signal] = await exited;

    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const logLines = stdout.split('\n').filter((line) => line.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow();
    expect(stdout).toContain(`PeerProof listening on http://127.0.0.1:${port}`);
    expect(stderr).toBe('');
  });
});
