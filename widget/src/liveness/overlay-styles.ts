/**
 * The overlay's stylesheet, adopted by its shadow root as a constructed stylesheet: no `<style>` element and
 * no `style` attribute, so a page's CSP without 'unsafe-inline' allows it. Colours that change at run time
 * (the flash) are set through CSSOM properties, which CSP does not govern either.
 */
export const OVERLAY_CSS = `
:host { all: initial; position: fixed; inset: 0; z-index: 2147483647; display: block;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #f9fafb; }
.flash { position: absolute; inset: 0; background: #111827; }
.panel { position: absolute; inset: 0; display: flex; flex-direction: column; align-items: center;
  justify-content: center; gap: 12px; padding: 16px; box-sizing: border-box; text-align: center; }
h2 { margin: 0; font-size: 20px; font-weight: 600; }
p { margin: 0; max-width: 36em; font-size: 16px; line-height: 1.4; }
.intro { display: flex; flex-direction: column; align-items: center; gap: 12px; }
.stage { position: relative; width: min(72vw, 320px); aspect-ratio: 3 / 4; border-radius: 50%;
  overflow: hidden; background: #000; box-shadow: 0 0 0 4px #f9fafb; }
video { width: 100%; height: 100%; object-fit: cover; transform: scaleX(-1); }
.recording { display: inline-flex; align-items: center; gap: 6px; font-size: 14px; }
.recording::before { content: ""; width: 10px; height: 10px; border-radius: 50%; background: #ef4444; }
.prompt { font-size: 22px; font-weight: 600; min-height: 1.4em; }
button { font: inherit; font-size: 16px; padding: 8px 20px; border-radius: 8px; border: 2px solid #f9fafb;
  background: transparent; color: inherit; cursor: pointer; }
.verdict { display: flex; flex-direction: column; align-items: center; gap: 8px; }
.hints { margin: 0; padding-left: 1.2em; text-align: left; }
button[data-action="start"], button[data-action="retry"] { background: #2563eb; border-color: #2563eb; color: #fff; }
button:focus-visible { outline: 3px solid #93c5fd; outline-offset: 2px; }
[hidden] { display: none !important; }
:host([data-flash]) .panel { color: #000; }
:host([data-flash]) .stage { visibility: hidden; }
:host([data-flash]) button { border-color: #000; }
@media (prefers-reduced-motion: reduce) { * { transition: none !important; animation: none !important; } }
`;
