import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from './net';
import * as path from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, ConsoleMessage, Page } from 'playwright-core';
import playwright from 'playwright-core';
import type { TestApp } from './test-app';
import { startTestApp } from './test-app';

/**
 * Real-browser test support: a real Chromium driven by playwright-core, the service under test, and a
 * second loopback server that plays the embedding site (its own origin, `http://localhost:<port>`). Which
 * Chromium: the browser project's globalSetup (test/support/chromium.mjs) names it in PEERPROOF_CHROMIUM —
 * the one configured there, else the system's, else the one from npm (`@sparticuz/chromium`).
 */

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const ARTIFACTS_DIR = path.resolve('test-artifacts');

export function chromiumPath(): string {
  return process.env.PEERPROOF_CHROMIUM || '/usr/bin/chromium';
}

/**
 * Whether the browser suites run. They are part of the suite: a missing chromium fails them with the fix,
 * and only PEERPROOF_TEST_SKIP_BROWSER=1 skips them, saying so on stderr.
 */
export function browserTestsEnabled(): boolean {
  if (process.env.PEERPROOF_TEST_SKIP_BROWSER === '1') {
    process.stderr.write('\n*** PEERPROOF_TEST_SKIP_BROWSER=1: SKIPPING the real-browser widget tests ***\n\n');
    return false;
  }
  const executable = chromiumPath();
  if (!fs.existsSync(executable)) {
    throw new Error(
      `The browser tests need Chromium at ${executable}: run them through Jest's browser project (its ` +
        'globalSetup finds one, from npm if need be), point PEERPROOF_CHROMIUM at a binary, ' +
        'or set PEERPROOF_TEST_SKIP_BROWSER=1 to skip them',
    );
  }
  return true;
}

/** Fails the suite at once, saying what to do, when the service has no built widget to serve at `file`. */
export async function requireBuiltWidget(t: TestApp, file: string): Promise<string> {
  const url = `${t.baseUrl}/widget/${file}`;
  const response = await fetch(url);
  // Read the body: an unread one is still streaming when the service closes, and its error would fail the suite.
  await response.arrayBuffer();
  if (response.status !== 200) {
    throw new Error(`GET /widget/${file} answered ${response.status}: build the widget first (npm run build)`);
  }
  return url;
}

/** A headless Chromium with a fresh temporary profile (Playwright creates and removes it). */
export function launchChromium(): Promise<Browser> {
  return playwright.chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
}

/** What a page reported that a working widget never causes: console errors, uncaught errors, CSP violations. */
export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests the browser refused to make for a CSP, in the page or in its workers (whose reports the page never sees). */
  blockedRequests: string[];
  /** `securitypolicyviolation` events of the page's documents (a worker's own are in blockedRequests). */
  cspViolations: CspViolation[];
}

export interface CspViolation {
  directive: string;
  blockedURI: string;
  sourceFile: string;
}

/** Opens a page in its own context that records everything in {@link PageProblems}. */
export async function openPage(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext(options);
  // Reported to the test as they happen, so a later navigation (a form post) loses none.
  const cspViolations: CspViolation[] = [];
  await context.exposeFunction('__peerproofTestCspViolation', (violation: CspViolation) => {
    cspViolations.push(violation);
  });
  // Added by the DevTools protocol, so it runs under any CSP; the pages themselves have no inline script.
  await context.addInitScript(() => {
    const report = (window as unknown as { __peerproofTestCspViolation: (v: CspViolation) => void })
      .__peerproofTestCspViolation;
    document.addEventListener('securitypolicyviolation', (event) => {
      void report({ directive: event.violatedDirective, blockedURI: event.blockedURI, sourceFile: event.sourceFile });
    });
  });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  // The context's console event also carries the workers' messages, CSP reports raised inside them included.
  context.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const blockedRequests: string[] = [];
  context.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    if (/csp/i.test(reason)) blockedRequests.push(`${request.url()} (${reason})`);
  });
  return { context, page, problems: { consoleErrors, pageErrors, blockedRequests, cspViolations } };
}

/**
 * The service under test on SQLite. It listens on a port chosen beforehand so that PUBLIC_URL, which the
 * challenges' model URLs are built from, names where it really is.
 */
export async function startWidgetService(env: Record<string, string> = {}): Promise<TestApp> {
  const port = await freePort();
  return startTestApp('sqlite', { PUBLIC_URL: `http://127.0.0.1:${port}`, ...env }, { port });
}

export interface PageRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The url-encoded body of a form post (empty otherwise). */
  form: URLSearchParams;
}

export interface PageResponse {
  status?: number;
  contentType?: string;
  headers?: Record<string, string>;
  body: string | Uint8Array;
}

export type PageHandler = (request: PageRequest) => PageResponse | Promise<PageResponse>;

/** The embedding site: serves pages, scripts and form handlers registered by the tests. */
export class PageServer {
  private readonly routes = new Map<string, PageHandler>();

  private constructor(
    private readonly server: http.Server,
    /** `http://localhost:<port>`: the hostname the test sites list. */
    readonly origin: string,
  ) {}

  static async start(): Promise<PageServer> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const pages = new PageServer(server, `http://localhost:${port}`);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => void pages.answer(req, res));
    return pages;
  }

  url(pathname: string): string {
    return `${this.origin}${pathname}`;
  }

  route(pathname: string, handler: PageHandler): void {
    this.routes.set(pathname, handler);
  }

  html(pathname: string, body: string, headers: Record<string, string> = {}): void {
    this.route(pathname, () => ({ contentType: 'text/html; charset=utf-8', headers, body }));
  }

  script(pathname: string, body: string): void {
    this.route(pathname, () => ({ contentType: 'text/javascript; charset=utf-8', body }));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', this.origin);
      const handler = this.routes.get(url.pathname);
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (!handler) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      const answer = await handler({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        form: new URLSearchParams(isForm ? body : ''),
      });
      res
        .writeHead(answer.status ?? 200, {
          'Content-Type': answer.contentType ?? 'text/html; charset=utf-8',
          'Cache-Control': 'no-store',
          ...answer.headers,
        })
        .end(answer.body);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(error));
    }
  }
}

export interface SiteverifyResult {
  success: boolean;
  hostname?: string;
  action?: string;
  cdata?: string;
  'error-codes': string[];
  [field: string]: unknown;
}

/** What a site's backend does with a submitted form: redeem its token at the service's `/siteverify`. */
export async function redeem(serviceUrl: string, secret: string, token: string): Promise<SiteverifyResult> {
  const response = await fetch(`${serviceUrl}/siteverify`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ secret, response: token }).toString(),
  });
  return (await response.json()) as SiteverifyResult;
}

/** A form handler for the page server that redeems the posted token and answers the fields and the verdict. */
export function siteverifyHandler(serviceUrl: string, secret: string, field = 'peerproof-response'): PageHandler {
  return async ({ form }) => {
    const fields = Object.fromEntries(form);
    const verdict = await redeem(serviceUrl, secret, form.get(field) ?? '');
    return { contentType: 'application/json', body: JSON.stringify({ fields, verdict }) };
  };
}

export function saveArtifact(name: string, data: Buffer): string {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, name);
  fs.writeFileSync(file, data);
  return file;
}
