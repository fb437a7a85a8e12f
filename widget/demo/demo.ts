/**
 * The /demo page's script (served as /widget/demo.js, no inline code: the page runs under a strict CSP).
 * It only shows what an integrator would wire up: the submit button waits for the widget's callback, and
 * every widget event is listed so a newcomer sees the states go by.
 */

const submit = document.querySelector<HTMLButtonElement>('#signup-submit');
const log = document.querySelector<HTMLOListElement>('#events');

function note(line: string): void {
  if (!log) return;
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()}  ${line}`;
  log.prepend(item);
}

// The widget's data-callback / data-expired-callback / data-error-callback name these globals.
Object.assign(window, {
  demoSolved(token: string) {
    if (submit) submit.disabled = false;
    note(`callback: token ${token.slice(0, 16)}…`);
  },
  demoExpired() {
    if (submit) submit.disabled = true;
    note('expired-callback: the token ran out; verify again');
  },
  demoError(code: string) {
    if (submit) submit.disabled = true;
    note(`error-callback: ${code}`);
  },
});

document.addEventListener('peerproof:state', (event) => {
  const detail = (event as CustomEvent<{ state: string; done?: number; count?: number; code?: string }>).detail;
  if (detail.state === 'solving' && detail.done !== 0) return;
  const extra = detail.state === 'solving' ? ` (${detail.count} inferences)` : detail.code ? ` (${detail.code})` : '';
  note(`state: ${detail.state}${extra}`);
});
