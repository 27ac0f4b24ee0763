// The StudioApi request methods as a plain list, with no schema library behind it, so the
// sandboxed preload can bundle it without pulling zod in.
export const API_METHOD_NAMES = [
  'info',
  'datasets',
  'listRuns',
  'getRun',
  'createRun',
  'previewSweep',
  'createSweep',
  'listSweeps',
  'getSweep',
  'stopRun',
  'cancelRun',
  'resumeRun',
  'rerun',
  'duplicateRun',
  'updateRun',
  'deleteRun',
  'getSeries',
  'getSpectra',
  'getLandscapes',
  'exportReport',
  'listArtifacts',
  'readArtifact',
  'analyseRun',
  'listAnalyses',
  'cancelAnalysis',
  'exportPytorch',
] as const;
export type ApiMethodName = (typeof API_METHOD_NAMES)[number];

/** Electron IPC channels: one for requests (invoke), one for pushed events (main → renderer). */
export const IPC_CHANNELS = {
  call: 'studio:call',
  event: 'studio:event',
} as const;
