/**
 * A small helper to build DOM nodes. Text is always set with `textContent`:
 * kernel and cell text is untrusted and is never parsed as HTML.
 */

/** Create an element with a class name and, optionally, text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** Create a button that runs `onClick`. */
export function button(
  className: string,
  label: string,
  onClick: () => void,
  title?: string
): HTMLButtonElement {
  const node = el('button', className, label);
  node.type = 'button';
  if (title) {
    node.title = title;
  }
  node.addEventListener('click', event => {
    event.preventDefault();
    onClick();
  });
  return node;
}
