// Run colours come from src/shared/colors.ts (the reports use the same ones); the named curves of
// one run get fixed colours of their own.
export { runColor, withAlpha } from '../../shared/colors';

/** Fixed colours for the named curves of one run. */
export const CURVE_COLORS = {
  train: '#0072b2',
  test: '#d55e00',
  val: '#009e73',
  extra: '#cc79a7',
} as const;
