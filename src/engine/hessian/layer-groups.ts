// Which parameter tensors make one layer, for the per-layer Hessian blocks (issue 13, item 3).
// Every model names its variables `<layer path>/<role>`: the engine's own models through
// VariableStore (`model3/dense0/kernel`, `model3/stage1/block1/bn1/gamma`), imported Layers
// models through tfjs-layers (`dense_Dense1/kernel_1`). A layer is every tensor with the same
// path — weight and bias together, as PyTorch's named_modules() groups them:
//   mlp        dense0 … denseK (kernel + bias), logits
//   cnn        conv0 … convK (kernel + bias), dense, logits
//   resnet/wrn each conv (kernel; no bias before a batch norm), each batch norm (γ + β), logits
//   layers     each Keras layer with weights (Dense kernel + bias, BatchNormalization γ + β, …)
// The part of the path every variable shares (the VariableStore instance prefix `model3`) is
// dropped, so names read the same in every run.

export interface LayerGroup {
  name: string;
  /** Roles of its tensors in parameter order: ['kernel', 'bias']. */
  tensors: string[];
  /** Indices into the model's params. */
  indices: number[];
  paramCount: number;
}

function split(name: string): { path: string[]; role: string } {
  const parts = name.split('/').filter((p) => p.length > 0);
  if (parts.length <= 1) return { path: [name], role: name };
  // tfjs-layers makes each load's variable names unique with a suffix (`kernel_1`, `kernel_2`).
  return { path: parts.slice(0, -1), role: parts[parts.length - 1].replace(/_\d+$/, '') };
}

/** Layers in the order their first tensor appears in `params` (input to output for every model here). */
export function layerGroups(params: readonly { name: string; size: number }[]): LayerGroup[] {
  const parsed = params.map((p) => split(p.name));
  // Drop the leading segments every path shares, keeping at least one segment per path.
  let common = 0;
  const shortest = Math.min(...parsed.map((p) => p.path.length));
  while (common < shortest - 1 && parsed.every((p) => p.path[common] === parsed[0].path[common])) common++;
  const byName = new Map<string, LayerGroup>();
  parsed.forEach((p, i) => {
    const name = p.path.slice(common).join('/');
    let g = byName.get(name);
    if (!g) {
      g = { name, tensors: [], indices: [], paramCount: 0 };
      byName.set(name, g);
    }
    g.tensors.push(p.role);
    g.indices.push(i);
    g.paramCount += params[i].size;
  });
  return [...byName.values()];
}
