/**
 * Chart colours from JupyterLab's CSS variables, read with
 * `getComputedStyle`, so the charts follow the light and dark themes.
 */

/** Colours the charts draw with. */
export interface IChartTheme {
  background: string;
  text: string;
  mutedText: string;
  grid: string;
  /** Colours for spans and requests, in order. */
  palette: string[];
  /** Saturated colours (white text reads on them) for request bars. */
  strong: string[];
  /** Waits of the main thread. */
  wait: string;
  /** GIL stalls. */
  stall: string;
  /** The untraced gap band. */
  gap: string;
  font: string;
}

/** Read the theme from the computed style of `node` (or the body). */
export function readTheme(node: Element = document.body): IChartTheme {
  const style = getComputedStyle(node);
  const v = (name: string, fallback: string) =>
    style.getPropertyValue(name).trim() || fallback;
  return {
    background: v('--jp-layout-color0', '#ffffff'),
    text: v('--jp-ui-font-color1', 'rgba(0, 0, 0, 0.87)'),
    mutedText: v('--jp-ui-font-color2', 'rgba(0, 0, 0, 0.54)'),
    grid: v('--jp-border-color2', '#e0e0e0'),
    palette: [
      v('--jp-brand-color1', '#1976d2'),
      v('--jp-accent-color1', '#388e3c'),
      v('--jp-warn-color1', '#f57c00'),
      v('--jp-brand-color3', '#90caf9'),
      v('--jp-accent-color3', '#a5d6a7'),
      v('--jp-warn-color3', '#ffcc80'),
      v('--jp-brand-color0', '#0d47a1'),
      v('--jp-accent-color0', '#1b5e20')
    ],
    strong: [
      v('--jp-brand-color1', '#1976d2'),
      v('--jp-accent-color1', '#388e3c'),
      v('--jp-brand-color0', '#0d47a1'),
      v('--jp-accent-color0', '#1b5e20')
    ],
    wait: v('--jp-warn-color1', '#f57c00'),
    stall: v('--jp-error-color1', '#d32f2f'),
    gap: v('--jp-ui-font-color3', 'rgba(0, 0, 0, 0.38)'),
    font: v('--jp-ui-font-family', 'sans-serif')
  };
}

/**
 * Call `onChange` when JupyterLab switches theme (it sets
 * `data-jp-theme-name` on the body). Returns a function that stops it.
 */
export function watchTheme(onChange: () => void): () => void {
  const observer = new MutationObserver(() => onChange());
  observer.observe(document.body, {
    attributes: true,
    attributeFilter: ['data-jp-theme-name', 'data-jp-theme-light']
  });
  return () => observer.disconnect();
}

/** A diagonal hatch in `color`, so the gap band reads without colour too. */
export function hatch(
  ctx: CanvasRenderingContext2D,
  color: string
): CanvasPattern | string {
  const tile = document.createElement('canvas');
  tile.width = tile.height = 8;
  const t = tile.getContext('2d');
  if (!t) {
    return color;
  }
  t.strokeStyle = color;
  t.lineWidth = 2;
  t.beginPath();
  t.moveTo(0, 8);
  t.lineTo(8, 0);
  t.stroke();
  return ctx.createPattern(tile, 'repeat') ?? color;
}
