/**
 * The /demo pages as HTML strings. Every value is escaped, the pages carry no inline script or style (they
 * run under the strict CSP below), and the widget is the real one, loaded from this service's /widget/.
 */
import type { SiteverifyResponse } from '../tokens/siteverify.dto';

export interface DemoPageOptions {
  sitekey: string;
  level: DemoLevel;
  theme: 'auto' | 'light' | 'dark';
  size: 'normal' | 'compact' | 'invisible';
  language: string | null;
}

export const DEMO_THEMES = ['auto', 'light', 'dark'] as const;
export const DEMO_SIZES = ['normal', 'compact', 'invisible'] as const;
export const DEMO_LANGUAGES = ['en', 'de', 'fr', 'es', 'pt', 'zh'] as const;
export const DEMO_LEVELS = ['compute', 'liveness'] as const;
export type DemoLevel = (typeof DEMO_LEVELS)[number];

const LEVEL_TEXT: Record<DemoLevel, { lead: string; other: string }> = {
  compute: {
    lead: 'A signup form protected by PeerProof. Tick the box, let your device do a few seconds of work, then sign up.',
    other: '<a href="/demo?level=liveness">Try the liveness check</a> (camera, about 15 seconds).',
  },
  liveness: {
    lead: 'A signup form that needs a live person: tick the box, allow the camera, follow the prompts and keep your face in the light of the screen flashes. The crops of your face stay in memory for one check and are never stored.',
    other: '<a href="/demo">Back to the camera-free check</a>.',
  },
};

/**
 * What the demo pages may load: only this service. The worker comes from /widget/ on the same origin, so
 * it runs under its own (absent) policy and compiling WebAssembly needs no 'wasm-unsafe-eval' here; the
 * model may come from PUBLIC_URL when the page was opened under another hostname (127.0.0.1). The liveness
 * page is the exception: the face landmarker (MediaPipe) compiles its WebAssembly on the page itself.
 */
export function demoCsp(publicOrigin: string, level: DemoLevel = 'compute'): string {
  return [
    "default-src 'none'",
    level === 'liveness' ? "script-src 'self' 'wasm-unsafe-eval'" : "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${publicOrigin}`,
    "img-src 'self'",
    "worker-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function signupPage(options: DemoPageOptions): string {
  const widget = [
    `class="peerproof widget-slot"`,
    attr('data-sitekey', options.sitekey),
    attr('data-theme', options.theme),
    attr('data-size', options.size),
    options.language ? attr('data-language', options.language) : '',
    attr('data-action', 'signup'),
    attr('data-callback', 'demoSolved'),
    attr('data-expired-callback', 'demoExpired'),
    attr('data-error-callback', 'demoError'),
  ].filter(Boolean);
  return layout(
    'Sign up',
    options.theme,
    `<form class="card" id="signup" method="post" action="/demo/signup">
  <h1>Create an account</h1>
  <p class="lead">${LEVEL_TEXT[options.level].lead}</p>
  <input type="hidden" name="level" value="${escapeHtml(options.level)}">
  <label>Email <input type="email" name="email" autocomplete="email" value="newcomer@example.com"></label>
  <div ${widget.join(' ')}></div>
  <button class="primary" id="signup-submit" type="submit">Sign up</button>
  <p class="hint">The demo site works on <code>localhost</code> and <code>127.0.0.1</code>. Its backend, <code>POST /demo/signup</code>, redeems the token at siteverify with the demo secret. ${LEVEL_TEXT[options.level].other}</p>
</form>
<section class="events" aria-label="Widget events"><strong>Widget events</strong><ol id="events"></ol></section>`,
    `<script src="/widget/peerproof.js" async defer></script>
<script src="/widget/demo.js" defer></script>`,
  );
}

/** The demo backend's answer: what siteverify said about the submitted token. */
export function resultPage(email: string, verdict: SiteverifyResponse, level: DemoLevel = 'compute'): string {
  const body = verdict.success
    ? `<h1 class="result-ok">Welcome, ${escapeHtml(email || 'newcomer')}!</h1>
  <p class="lead">siteverify accepted the token: the account would be created now.</p>
  ${fields(verdict)}`
    : `<h1 class="result-fail">Verification failed</h1>
  <p class="lead">siteverify refused the token: ${verdict['error-codes'].map((code) => `<code>${escapeHtml(code)}</code>`).join(', ')}.</p>`;
  return layout(
    verdict.success ? 'Signed up' : 'Verification failed',
    'auto',
    `<section class="card" id="result" data-success="${verdict.success}">
  ${body}
  <p><a href="${level === 'liveness' ? '/demo?level=liveness' : '/demo'}">Back to the form</a></p>
</section>`,
    '',
  );
}

function fields(verdict: SiteverifyResponse): string {
  const rows: [string, unknown][] = [
    ['hostname', verdict.hostname],
    ['challenge_ts', verdict.challenge_ts],
    ['score', verdict.score],
    ['level', verdict.level],
    ['action', verdict.action],
    ['cdata', verdict.cdata],
    ...(verdict.liveness ? ([['liveness score', verdict.liveness.score.toFixed(2)]] as [string, unknown][]) : []),
  ];
  // action and cdata are "" when the page set none: shown as absent, like null.
  const shown = (value: unknown) => (value === null || value === undefined || value === '' ? '—' : String(value));
  const items = rows.map(([name, value]) => `<dt>${name}</dt><dd>${escapeHtml(shown(value))}</dd>`);
  return `<dl>${items.join('')}</dl>`;
}

function layout(title: string, theme: string, main: string, scripts: string): string {
  return `<!doctype html>
<html lang="en" data-theme="${escapeHtml(theme)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PeerProof demo: ${escapeHtml(title)}</title>
<link rel="icon" href="/widget/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/widget/demo.css">
${scripts}
</head>
<body>
<main>
${main}
</main>
</body>
</html>
`;
}

function attr(name: string, value: string): string {
  return `${name}="${escapeHtml(value)}"`;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
