/**
 * Save files from the browser: the trace JSON and chart PNGs.
 */
import { IChartTheme } from './theme';

/** A legend entry drawn under a chart in its PNG. */
export interface ILegendItem {
  label: string;
  color: string;
}

/** Offer `blob` as a file download named `name`. */
export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Give the browser time to start the download before revoking.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Offer text as a file download. */
export function downloadText(name: string, text: string, mime: string): void {
  downloadBlob(name, new Blob([text], { type: mime }));
}

/**
 * A PNG of a chart canvas on the theme's background (uPlot's canvas is
 * transparent), with a title above and an optional legend below.
 */
export function chartPng(
  canvas: HTMLCanvasElement,
  theme: IChartTheme,
  title: string,
  legend: ILegendItem[] = []
): Promise<Blob> {
  const scale = canvas.width / Math.max(1, canvas.clientWidth || canvas.width);
  const pad = Math.round(8 * scale);
  const titleH = Math.round(22 * scale);
  const rowH = Math.round(18 * scale);
  const perRow = Math.max(1, Math.floor(canvas.width / (180 * scale)));
  const legendH = legend.length ? Math.ceil(legend.length / perRow) * rowH : 0;
  const out = document.createElement('canvas');
  out.width = canvas.width + 2 * pad;
  out.height = canvas.height + titleH + legendH + 2 * pad;
  const ctx = out.getContext('2d');
  if (!ctx) {
    return Promise.reject(new Error('no 2D canvas context for the PNG'));
  }
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = theme.text;
  ctx.textBaseline = 'middle';
  ctx.font = `bold ${Math.round(13 * scale)}px ${theme.font}`;
  ctx.fillText(title, pad, pad + titleH / 2);
  ctx.drawImage(canvas, pad, pad + titleH);
  ctx.font = `${Math.round(11 * scale)}px ${theme.font}`;
  legend.forEach((item, i) => {
    const x = pad + (i % perRow) * 180 * scale;
    const y = pad + titleH + canvas.height + Math.floor(i / perRow) * rowH;
    ctx.fillStyle = item.color;
    ctx.fillRect(x, y + rowH / 4, rowH / 2, rowH / 2);
    ctx.fillStyle = theme.text;
    ctx.fillText(item.label, x + rowH * 0.75, y + rowH / 2, 160 * scale);
  });
  return new Promise((resolve, reject) =>
    out.toBlob(
      blob => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))),
      'image/png'
    )
  );
}
