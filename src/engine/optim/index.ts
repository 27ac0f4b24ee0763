// Public face of the optimizers: the stepper the training loop drives, the schedule, and the
// building blocks (for tests, the Hessian code and anyone composing their own update).
export { createStepper } from './stepper';
export type { Stepper, StepTensors, StepperConfig, StepCost } from './stepper';
export { makeSamVariant, gsamRho } from './variants/index';
export type { SamVariant, StepInfo } from './variants/index';
export { learningRateAt, learningRateRange } from './schedule';
export { sgd } from './sgd';
export type { SgdOptions } from './sgd';
export { adam } from './adam';
export type { AdamOptions } from './adam';
export { makeBaseOptimizer } from './base';
export { samPerturbation, firstStep, secondStep, checkSamOptions } from './sam';
export type { SamPerturbationOptions } from './sam';
export { globalNorm, clipByGlobalNorm } from './clip';
export { decayMask, l2Penalty, addDecayGradient } from './weight-decay';
export { gradientPass } from './pass';
export type { GradientTransformation, OptState } from './types';
