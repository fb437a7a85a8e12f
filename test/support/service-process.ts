import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, waitFor } from './net';

/** The compiled CLI, as operators run it: `npm test` builds first. */
const ROOT = process.cwd();
const BIN = path.join(ROOT, 'bin', 'peerproof.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: nothing from the test runner's own (NODE_ENV, PORT, ...) leaks into the CLI. */
export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, PEERPROOF_HOME: ROOT, ...env };
}

export function requireBuiltCli(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: the CLI tests run the compiled CLI; run `npm run build`');
  }
}

/** Runs `peerproof …` to completion without blocking the event loop. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: cliEnv(env) }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/** `peerproof serve` in a child process, as in production: signals, restarts and all. */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private output = '';
  readonly baseUrl: string;

  private constructor(
    readonly port: number,
    readonly env: Record<string, string>,
  ) {
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  static async start(env: Record<string, string>): Promise<ServiceProcess> {
    const service = new ServiceProcess(await freePort(), env);
    await service.restart();
    return service;
  }

  get log(): string {
    return this.output;
  }

  /** Starts the process (again) on the same port and waits until /readyz answers 200. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('the service is still running');
    const child = spawn(process.execPath, [BIN, 'serve'], {
      cwd: ROOT,
      env: cliEnv({ HOST: '127.0.0.1', PORT: String(this.port), TORRENT_ENABLED: 'false', ...this.env }),
    });
    this.child = child;
    child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    await waitFor(
      'the service to be ready',
      async () => {
        if (child.exitCode !== null) throw new Error(`serve exited early (${child.exitCode}):\n${this.output}`);
        const response = await fetch(`${this.baseUrl}/readyz`).catch(() => null);
        await response?.arrayBuffer().catch(() => undefined);
        return response?.ok;
      },
      90_000,
    );
  }

  /** Sends `signal` and waits for the exit; returns the exit code and signal. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    if (!child) return { code: null, signal: null };
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal })),
    );
    child.kill(signal);
    return exited;
  }
}
