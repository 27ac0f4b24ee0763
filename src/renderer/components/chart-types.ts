// What a page hands to LineChart: plain arrays, already smoothed/downsampled.
export interface ChartPoint {
  x: number;
  y: number;
  /** Spread at this point (a seed group's standard deviation): the tooltip shows "± e". */
  e?: number;
}

export interface ChartSeries {
  /** Stable key (run id + metric) so chart.js keeps its dataset objects between updates. */
  id: string;
  label: string;
  color: string;
  points: ChartPoint[];
  dashed?: boolean;
  width?: number;
  /** Draw markers only (scatter). */
  markers?: boolean;
  /** Upper edge of a band: filled down to the series that follows it. */
  bandUpper?: boolean;
  /** Small dots on a line with few points (per-epoch series, analyses). */
  dots?: boolean;
  /** Plot against a second y axis on the right (a quantity with another scale). */
  right?: boolean;
  /** Hidden from the legend and the tooltip (band edges, the faint raw curve, error bars). */
  noLegend?: boolean;
}

/** What the x values are: decides tick formatting (whole steps and epochs, durations). */
export type XKind = 'step' | 'epoch' | 'time' | 'count' | 'value';
