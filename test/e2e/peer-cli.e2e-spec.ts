import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { generateEd25519KeyPair } from '../../src/adapters/ed25519';
import { TorrentAdapter } from '../../src/adapters/torrent.adapter';
import { JobAssignmentEntity, JobEntity } from '../../src/peers/job.entity';
import { databaseKinds } from '../support/databases';
import { MODEL_SHA256, solveAChallenge, taskModelsFolder } from '../support/peers';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';
import { freePort } from '../support/net';

/** The compiled CLI, as operators run it: `npm test` builds first. */
const ROOT = process.cwd();
const BIN = path.join(ROOT, 'bin', 'peerproof.js');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A long-running `peerproof peer --json`, its log lines parsed as they arrive. */
class PeerProcess {
  readonly events: Array<Record<string, unknown>> = [];
  stderr = '';
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [BIN, 'peer', ...args, '--json'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH },
    });
    let pending = '';
    this.child.stdout.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.events.push(JSON.parse(line) as Record<string, unknown>);
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  async waitFor(event: string, match: (line: Record<string, unknown>) => boolean = () => true, ms = 60_000) {
    const until = Date.now() + ms;
    for (;;) {
      const found = this.events.find((line) => line.event === event && match(line));
      if (found) return found;
      if (Date.now() > until) {
        throw new Error(
          `no ${event} within ${ms} ms:\n${this.events.map((e) => JSON.stringify(e)).join('\n')}\n${this.stderr}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}

describe('peerproof peer: arguments', () => {
  const key = generateEd25519KeyPair().publicKey;
  it.each([
    ['a bad service URL', ['--service', 'ftp://x', '--service-key', key, '--data', '/tmp/x'], /--service must be/],
    [
      'a bad service key',
      ['--service', 'http://127.0.0.1:1', '--service-key', 'abc', '--data', '/tmp/x'],
      /--service-key/,
    ],
    ['no data folder', ['--service', 'http://127.0.0.1:1', '--service-key', key], /--data is required/],
    [
      'a negative stake',
      ['--service', 'http://127.0.0.1:1', '--service-key', key, '--data', '/tmp/x', '--stake', '-3'],
      /--stake/,
    ],
    [
      'a bad port',
      ['--service', 'http://127.0.0.1:1', '--service-key', key, '--data', '/tmp/x', '--port', '70000'],
      /--port/,
    ],
    [
      'a bad device',
      ['--service', 'http://127.0.0.1:1', '--service-key', key, '--data', '/tmp/x', '--device', 'tpu'],
      /--device/,
    ],
    [
      'a bad torrent peer',
      ['--service', 'http://127.0.0.1:1', '--service-key', key, '--data', '/tmp/x', '--torrent-peer', 'x'],
      /--torrent-peer/,
    ],
  ])('refuses %s with exit 2 and a code', async (_name, args, message) => {
    const result = await run(['peer', ...args]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error \[invalid-argument\]/);
    expect(result.stderr).toMatch(message);
  });

  it('reports a data folder without a peer key', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-nokey-'));
    try {
      const result = await run(['peer', 'status', '--data', dir]);

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/error \[no-identity\]/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The peer as operators run it: a separate process, talking HTTP and BitTorrent (loopback, DHT and LSD off)
// to a real service, answering a real audit job.
describe.each(databaseKinds())('peerproof peer against a service [%s]', (kind) => {
  let t: TestApp;
  let root: string;
  let serviceKey: string;
  let servicePeer: string;
  let clockSync: NodeJS.Timeout;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-cli-peer-'));
    const port = await freePort();
    t = await startTestApp(
      kind,
      {
        MODELS_DIR: taskModelsFolder(path.join(root, 'service-models')),
        TORRENT_ENABLED: 'true',
        TORRENT_PORT: '0',
        TORRENT_DHT: 'false',
        TORRENT_LSD: 'false',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
      },
      { port },
    );
    // The peer process stamps its requests with the real clock.
    clockSync = setInterval(() => t.clock.set(Date.now()), 500);
    serviceKey = (await (await fetch(`${t.baseUrl}/api/v1/keys`)).json()).publicKey;
    servicePeer = `127.0.0.1:${(await t.app.get(TorrentAdapter).address()).port}`;
  });
  afterAll(async () => {
    clearInterval(clockSync);
    await t?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  const peerArgs = (dir: string, key = serviceKey) => [
    '--service',
    t.baseUrl,
    '--service-key',
    key,
    '--data',
    dir,
    '--port',
    '0',
    '--torrent-peer',
    servicePeer,
    '--no-dht',
    '--no-lsd',
    '--stake',
    '10',
  ];

  it('refuses a service whose manifest another key signed, with exit 4', async () => {
    const dir = path.join(root, 'wrong');

    const result = await run(['peer', ...peerArgs(dir, generateEd25519KeyPair().publicKey), '--json']);

    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/error \[manifest-wrong-key\]: refusing the service's model manifest/);
    expect(fs.existsSync(path.join(dir, 'models'))).toBe(false);
  });

  it('downloads and verifies the model, answers an audit job, and reports its status', async () => {
    const dir = path.join(root, 'peer');
    const peer = new PeerProcess(peerArgs(dir));
    try {
      const identity = await peer.waitFor('identity');
      await peer.waitFor('stake');
      await peer.waitFor('model-ready', (line) => line.origin === 'downloaded');
      await peer.waitFor('serving');

      const challengeId = await solveAChallenge(t);
      const job = await t.app.get(DataSource).getRepository(JobEntity).findOneByOrFail({ subject: challengeId });
      await peer.waitFor('job-revealed', (line) => line.job === job.id);

      const final = await t.app.get(DataSource).getRepository(JobEntity).findOneByOrFail({ id: job.id });
      expect(final).toMatchObject({ status: 'final', resultScore: 1 });
      const answer = await t.app
        .get(DataSource)
        .getRepository(JobAssignmentEntity)
        .findOneByOrFail({ jobId: job.id, peerId: identity.peer as string });
      expect(answer.verdict).toEqual({ score: 1, models: [MODEL_SHA256] });
      expect(peer.events.some((line) => line.event === 'download-progress')).toBe(true);
    } finally {
      expect(await peer.stop()).toBe(0);
    }

    const status = await run(['peer', 'status', '--data', dir, '--service', t.baseUrl, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      service: { url: t.baseUrl, key: serviceKey },
      manifest: { verified: true },
      models: [{ sha256: MODEL_SHA256, state: 'verified' }],
      serviceView: { jobsAnswered: 1, models: [MODEL_SHA256] },
    });
    const human = await run(['peer', 'status', '--data', dir]);
    expect(human.stdout).toMatch(/model {4}blazeface-front-128 {2}431\.6 KiB {2}verified/);
  });

  it('restarts from disk without downloading again', async () => {
    const peer = new PeerProcess(peerArgs(path.join(root, 'peer')));
    try {
      await peer.waitFor('serving');

      expect(peer.events.filter((line) => line.event === 'model-ready')).toEqual([
        expect.objectContaining({ origin: 'disk' }),
      ]);
      expect(peer.events.some((line) => line.event === 'download-progress')).toBe(false);
    } finally {
      expect(await peer.stop()).toBe(0);
    }
  });
});
