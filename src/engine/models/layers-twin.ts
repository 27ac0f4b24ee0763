// The smooth twin of an imported Layers model (hessian/smooth-twin.ts says why twins exist): its
// topology with every ReLU made a softplus and every max-pool an average pool, and the model's
// weights. Rewritten in the serialized topology (toJSON), so every layer kind tfjs-layers can
// save — nested models included — is copied as it is; a topology with another kink (ReLU6, a
// capped or leaky ReLU, hard sigmoid) gets no twin, and the check runs on the model itself.

/** Layer class names the twin swaps, and what for. */
const POOLS: Record<string, string> = {
  MaxPooling1D: 'AveragePooling1D',
  MaxPooling2D: 'AveragePooling2D',
  MaxPooling3D: 'AveragePooling3D',
  GlobalMaxPooling1D: 'GlobalAveragePooling1D',
  GlobalMaxPooling2D: 'GlobalAveragePooling2D',
};
/** Kinks with no smooth stand-in of the same weights. */
const OTHER_KINKS = new Set(['relu6', 'hardSigmoid', 'hard_sigmoid']);
const KINKED_LAYERS = new Set(['LeakyReLU', 'PReLU', 'ThresholdedReLU']);

export interface TwinTopology {
  /** The rewritten topology (a toJSON dict), or null when the model needs no twin or cannot have one. */
  topology: Record<string, unknown> | null;
  relu: boolean;
  maxPool: boolean;
  /** Why there is no twin though the model has kinks. */
  blocked?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Rewrites a LayersModel's toJSON(null, false) dict; the input is not modified. */
export function smoothTopology(modelJson: Json): TwinTopology {
  const out = structuredClone(modelJson);
  const found = { relu: false, maxPool: false, blocked: undefined as string | undefined };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isObject(node)) return;
    const cls = node.class_name;
    const cfg = node.config;
    if (typeof cls === 'string' && isObject(cfg)) {
      if (KINKED_LAYERS.has(cls)) found.blocked ??= `layer ${String(cfg.name)} (${cls}) has a kink with no smooth stand-in`;
      if (cls === 'ReLU') {
        if (cfg.max_value != null) found.blocked ??= `layer ${String(cfg.name)} (ReLU capped at ${String(cfg.max_value)}) has a second kink`;
        node.class_name = 'Activation';
        node.config = { name: cfg.name, trainable: cfg.trainable, dtype: cfg.dtype, activation: 'softplus' };
        found.relu = true;
      } else if (POOLS[cls]) {
        node.class_name = POOLS[cls];
        found.maxPool = true;
      }
      if (cfg.activation === 'relu') {
        cfg.activation = 'softplus';
        found.relu = true;
      } else if (typeof cfg.activation === 'string' && OTHER_KINKS.has(cfg.activation)) {
        found.blocked ??= `layer ${String(cfg.name)} has activation ${cfg.activation}, a kink with no smooth stand-in`;
      }
    }
    Object.values(node).forEach(visit);
  };
  visit(out);
  const kinked = found.relu || found.maxPool;
  return { topology: kinked && !found.blocked ? out : null, relu: found.relu, maxPool: found.maxPool, ...(found.blocked ? { blocked: found.blocked } : {}) };
}
