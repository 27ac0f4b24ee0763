// Config tables and labels come from src/shared (the reports use the same ones).
export { configRows, type ConfigRow } from '../../shared/config-diff';
export { seedGroupKey, runDiffLabel as differingLabel } from '../../shared/seed-groups';
