// Residual networks with batch norm, NHWC, 'same' padding:
// - resnet20: CIFAR ResNet (He et al. 2016, §4.2): 3×3 stem, 3 stages × 3 basic blocks, widths
//   w, 2w, 4w; projection (1×1 conv + BN) shortcuts where the shape changes.
// - resnet18: ResNet-18 layout (4 stages × 2 basic blocks, widths w…8w) with a CIFAR-style 3×3
//   stem and no initial max-pool, as in the SAM paper's CIFAR experiments.
// - wrn: Wide-ResNet-d-k (Zagoruyko & Komodakis 2016): pre-activation blocks, n = (d−4)/6 per
//   stage, widths 16k, 32k, 64k, final BN-ReLU.
// Every ReLU may be swapped for another activation (model.activation, e.g. softplus for a smooth
// loss whose Hessian finite differences can check).
import * as tf from '@tensorflow/tfjs-core';
import type { EngineModel } from '../types';
import { Rng } from '../rng';
import type { InitScheme } from '../../shared/config';
import { HEAD_LAYER, type Init, VariableStore } from './init';
import { type Activation, type ForwardOpts, activate, batchNorm, conv, dense } from './layers';
import { asImages, imageShape } from './shape';

type Block = (x: tf.Tensor4D, o: ForwardOpts) => tf.Tensor4D;

interface Ctx {
  vs: VariableStore;
  init: Init;
  act: (x: tf.Tensor) => tf.Tensor4D;
}

/** conv-BN-ReLU-conv-BN + shortcut, then ReLU (post-activation basic block). */
function basicBlock(ctx: Ctx, name: string, inC: number, outC: number, stride: number): Block {
  const c1 = conv(ctx.vs, `${name}/conv1`, inC, outC, { kernel: 3, stride }, ctx.init);
  const b1 = batchNorm(ctx.vs, `${name}/bn1`, outC);
  const c2 = conv(ctx.vs, `${name}/conv2`, outC, outC, { kernel: 3 }, ctx.init);
  const b2 = batchNorm(ctx.vs, `${name}/bn2`, outC);
  const project = stride !== 1 || inC !== outC;
  const sc = project ? conv(ctx.vs, `${name}/shortcut`, inC, outC, { kernel: 1, stride }, ctx.init) : null;
  const sb = project ? batchNorm(ctx.vs, `${name}/shortcut_bn`, outC) : null;
  return (x, o) => {
    const h = ctx.act(b1(c1(x), o));
    const y = b2(c2(h), o);
    const s = sc && sb ? sb(sc(x), o) : x;
    return ctx.act(tf.add(y, s));
  };
}

/** BN-ReLU-conv-BN-ReLU-conv + shortcut (pre-activation block, as in Wide-ResNet). */
function preActBlock(ctx: Ctx, name: string, inC: number, outC: number, stride: number): Block {
  const b1 = batchNorm(ctx.vs, `${name}/bn1`, inC);
  const c1 = conv(ctx.vs, `${name}/conv1`, inC, outC, { kernel: 3, stride }, ctx.init);
  const b2 = batchNorm(ctx.vs, `${name}/bn2`, outC);
  const c2 = conv(ctx.vs, `${name}/conv2`, outC, outC, { kernel: 3 }, ctx.init);
  const project = stride !== 1 || inC !== outC;
  const sc = project ? conv(ctx.vs, `${name}/shortcut`, inC, outC, { kernel: 1, stride }, ctx.init) : null;
  return (x, o) => {
    const a = ctx.act(b1(x, o));
    const h = c2(ctx.act(b2(c1(a), o)));
    return tf.add(h, sc ? sc(a) : x) as tf.Tensor4D;
  };
}

interface Layout {
  kind: string;
  stemWidth: number;
  stages: { width: number; blocks: number; stride: number }[];
  block: typeof basicBlock;
  /** Pre-activation nets end with BN-ReLU; post-activation stems start with BN-ReLU. */
  preActivation: boolean;
}

function buildResidual(layout: Layout, o: ResidualOptions, inputShape: number[], numClasses: number, seed: number): EngineModel {
  const hwc = imageShape(inputShape, layout.kind);
  const act = o.activation ?? 'relu';
  const ctx: Ctx = { vs: new VariableStore(), init: { scheme: o.init ?? 'pytorch', rng: new Rng(seed) }, act: (x) => activate(x, act) as tf.Tensor4D };
  const stem = conv(ctx.vs, 'stem/conv', hwc[2], layout.stemWidth, { kernel: 3 }, ctx.init);
  const stemBn = layout.preActivation ? null : batchNorm(ctx.vs, 'stem/bn', layout.stemWidth);
  const blocks: Block[] = [];
  let c = layout.stemWidth;
  layout.stages.forEach((st, si) => {
    for (let bi = 0; bi < st.blocks; bi++) {
      blocks.push(layout.block(ctx, `stage${si + 1}/block${bi + 1}`, c, st.width, bi === 0 ? st.stride : 1));
      c = st.width;
    }
  });
  const finalBn = layout.preActivation ? batchNorm(ctx.vs, 'final/bn', c) : null;
  const head = dense(ctx.vs, HEAD_LAYER, c, numClasses, 'linear', ctx.init);
  return {
    kind: layout.kind,
    params: ctx.vs.params,
    normalization: ctx.vs.normalization,
    head: ctx.vs.head,
    state: ctx.vs.state,
    paramCount: ctx.vs.paramCount,
    inputShape,
    numClasses,
    apply(x, opts) {
      const o: ForwardOpts = { training: opts.training, updateState: opts.updateState ?? opts.training };
      return tf.tidy(() => {
        let t = stem(asImages(x, hwc));
        if (stemBn) t = ctx.act(stemBn(t, o));
        for (const b of blocks) t = b(t, o);
        if (finalBn) t = ctx.act(finalBn(t, o));
        return head(tf.mean(t, [1, 2]) as tf.Tensor2D);
      });
    },
    dispose: () => ctx.vs.dispose(),
  };
}

/** The model config's activation (default relu) and initialisation scheme (default 'pytorch'). */
export interface ResidualOptions {
  activation?: Activation;
  init?: InitScheme;
}

export function buildResnet20(width: number, inputShape: number[], numClasses: number, seed: number, o: ResidualOptions = {}): EngineModel {
  const stages = [1, 2, 4].map((m, i) => ({ width: width * m, blocks: 3, stride: i === 0 ? 1 : 2 }));
  return buildResidual({ kind: 'resnet20', stemWidth: width, stages, block: basicBlock, preActivation: false }, o, inputShape, numClasses, seed);
}

export function buildResnet18(width: number, inputShape: number[], numClasses: number, seed: number, o: ResidualOptions = {}): EngineModel {
  const stages = [1, 2, 4, 8].map((m, i) => ({ width: width * m, blocks: 2, stride: i === 0 ? 1 : 2 }));
  return buildResidual({ kind: 'resnet18', stemWidth: width, stages, block: basicBlock, preActivation: false }, o, inputShape, numClasses, seed);
}

export function buildWideResnet(depth: number, widen: number, inputShape: number[], numClasses: number, seed: number, o: ResidualOptions = {}): EngineModel {
  if (depth < 10 || (depth - 4) % 6 !== 0) throw new Error(`model.depth must be 6n+4 (10, 16, 22, 28, …), got ${depth}`);
  const n = (depth - 4) / 6;
  const stages = [16, 32, 64].map((w, i) => ({ width: w * widen, blocks: n, stride: i === 0 ? 1 : 2 }));
  return buildResidual({ kind: 'wrn', stemWidth: 16, stages, block: preActBlock, preActivation: true }, o, inputShape, numClasses, seed);
}
