// One colour per run id, the same in the app, the HTML report and the PDF: a 10-colour palette
// (Okabe-Ito-like, distinguishable with common colour-vision deficiencies), then golden-angle hues.
export const RUN_PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#8c564b', '#7f7f7f', '#bcbd22', '#6a3d9a'] as const;

export function runColor(runId: number): string {
  if (runId >= 1 && runId <= RUN_PALETTE.length) return RUN_PALETTE[runId - 1];
  const hue = Math.round((runId * 137.508) % 360);
  return `hsl(${hue} 65% 45%)`;
}

/** The same colour with an alpha, for bands and secondary lines. */
export function withAlpha(color: string, alpha: number): string {
  if (color.startsWith('#')) {
    const a = Math.round(alpha * 255).toString(16).padStart(2, '0');
    return `${color}${a}`;
  }
  return color.replace(/\)$/, ` / ${alpha})`);
}
