/**
 * Links the service's stylesheet once per page. The widget stays invisible until the sheet has loaded (or
 * failed, or taken too long), so a visitor never sees it unstyled. A `<link>` the site added itself (for a
 * CSP that lists it) counts as ours.
 */

const MAX_WAIT_MS = 3000;
let ready: Promise<void> | null = null;

export function loadStylesheet(href: string, root: HTMLElement): void {
  ready ??= linkOnce(href);
  root.style.visibility = 'hidden';
  void ready.then(() => {
    root.style.visibility = '';
  });
}

function linkOnce(href: string): Promise<void> {
  const existing = Array.from(document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')).find(
    (link) => link.href === href,
  );
  if (existing?.sheet) return Promise.resolve();
  const link = existing ?? document.createElement('link');
  const settled = new Promise<void>((resolve) => {
    link.addEventListener('load', () => resolve(), { once: true });
    link.addEventListener('error', () => resolve(), { once: true });
    setTimeout(resolve, MAX_WAIT_MS);
  });
  if (!existing) {
    link.rel = 'stylesheet';
    link.href = href;
    document.head.append(link);
  }
  return settled;
}
