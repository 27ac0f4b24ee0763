// A run as a PyTorch DDP project (export.ts), and that project trained here as N processes
// (launch.ts). The Python is in ./template, a real project with its own tests.
export { exportPytorch, freshExportDir, manualCommands, type ExportOptions, type PytorchExport } from './export';
export { EXPORT_FIELDS, ExportError, REFUSALS, checkExportable } from './exportable';
export { PytorchDdpLauncher, freePort, type DdpLauncherOptions, type LaunchVia } from './launch';
export { findPython, torchrunProblem } from './python';
export { validWorldSizes, worldSizeProblem } from './world-sizes';
