/**
 * The few DOM builders the widget and the liveness overlay share: createElement and textContent only (never
 * innerHTML, never a `style` attribute), so both work under a CSP without 'unsafe-inline'.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  element.className = className;
  return element;
}

export function text<T extends HTMLElement>(element: T, content: string): T {
  element.textContent = content;
  return element;
}

export function button(className: string, label: string, onClick: () => void): HTMLButtonElement {
  const element = text(el('button', className), label);
  element.type = 'button';
  element.addEventListener('click', onClick);
  return element;
}
