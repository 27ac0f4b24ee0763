// Writing a tfjs Layers model as model.json + weights.bin, as `model.kind: 'layers'` reads it.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Saves `model` into `dir`; returns the model.json path. */
export async function saveLayersModel(model: tfl.LayersModel, dir: string): Promise<string> {
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const weightData = a.weightData as ArrayBuffer;
      writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(weightData));
      const json = { modelTopology: a.modelTopology, format: a.format, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] };
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return path.join(dir, 'model.json');
}
