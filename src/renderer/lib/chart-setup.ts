// chart.js used directly (no wrapper library): register only what the pages draw, and defaults
// that keep live charts cheap — no animation, data pre-parsed, min/max decimation.
import {
  Chart,
  Decimation,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
  Title,
} from 'chart.js';
// Zoom (drag a box, ctrl-wheel) and pan (shift-drag), with a reset: the chart.js project's own plugin.
import zoomPlugin from 'chartjs-plugin-zoom';

Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, LogarithmicScale, Filler, Legend, Tooltip, Title, Decimation, zoomPlugin);
Chart.defaults.animation = false;
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** Pull the theme's colours (CSS custom properties) into chart.js defaults. */
export function applyChartTheme(): { fg: string; grid: string } {
  const css = getComputedStyle(document.documentElement);
  const fg = css.getPropertyValue('--fg-muted').trim() || '#555';
  const grid = css.getPropertyValue('--grid').trim() || '#ddd';
  Chart.defaults.color = fg;
  Chart.defaults.borderColor = grid;
  return { fg, grid };
}

export { Chart };
