// What the PyTorch export can honour. Everything the engine does has a port in the template
// except a fine-tuned tfjs Layers model (model.kind "layers"): its graph is whatever the user's
// model.json holds, with no PyTorch twin to build. Such a run is refused with a named error
// rather than exported as something else.
import type { RunConfig } from '../../../../shared/config';

export class ExportError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExportError';
  }
}

export function checkExportable(config: RunConfig): void {
  if (config.model.kind === 'layers') {
    throw new ExportError(
      'model.kind',
      'model.kind "layers" (a TensorFlow.js Layers model loaded from model.json) has no PyTorch port; the export supports mlp, cnn, resnet20, resnet18 and wrn',
    );
  }
}
