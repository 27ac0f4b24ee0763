// Human output of `sam-studio train` (without --json): a live line on stderr while training and
// a summary at the end. On a terminal the step line rewrites itself; piped, only epoch lines.
import type { TrainerEvent } from '../shared/events';
import { finiteDifferenceWarning, hvpMethodLabel } from '../shared/hvp-method';

export interface ProgressWriter {
  write(s: string): void;
  isTTY: boolean;
}

const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '  —  ' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | undefined, d = 4) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));

export function createProgressPrinter(out: ProgressWriter, totalEpochs: number): (e: TrainerEvent) => void {
  let stepsPerEpoch = 0;
  let liveLine = false;
  const clearLive = () => {
    if (liveLine) out.write('\r\x1b[2K');
    liveLine = false;
  };
  const line = (s: string) => {
    clearLive();
    out.write(`${s}\n`);
  };
  return (e) => {
    switch (e.event) {
      case 'started':
        stepsPerEpoch = e.stepsPerEpoch;
        line(
          `training on ${e.backend.name}${typeof e.backend.details.threads === 'number' ? ` (${e.backend.details.threads} thread${e.backend.details.threads === 1 ? '' : 's'}${e.backend.details.dataParallelRanks ? ', data-parallel' : ''})` : ''} · ${e.paramCount.toLocaleString('en-US')} parameters · ${e.trainExamples} train / ${e.testExamples} test examples · ${e.stepsPerEpoch} steps per epoch` +
            (e.resumedFromStep !== null ? ` · resumed at step ${e.resumedFromStep}` : ''),
        );
        if (typeof e.backend.details.selfCheck === 'string') line(`  (${e.backend.name} self-check against cpu: ${e.backend.details.selfCheck})`);
        for (const s of e.backend.skipped) line(`  (skipped ${s.name}: ${s.reason})`);
        break;
      case 'metrics': {
        const v = e.values;
        if (e.scope === 'step') {
          if (!out.isTTY) break;
          // e.epoch is fractional and reaches the whole number on the epoch's last step (1.0 = step N of epoch 1).
          const epoch = Math.max(1, Math.ceil(e.epoch - 1e-9));
          const inEpoch = stepsPerEpoch > 0 ? e.step - (epoch - 1) * stepsPerEpoch : e.step;
          const sam = v.sharpness !== undefined ? `  sharp ${num(v.sharpness)}` : '';
          out.write(
            `\r\x1b[2Kepoch ${epoch}/${totalEpochs}  step ${inEpoch}/${stepsPerEpoch}  loss ${num(v.trainLoss)}  acc ${pct(v.trainAccuracy)}${sam}  ${Math.round(v.examplesPerSec ?? 0)} ex/s`,
          );
          liveLine = true;
        } else {
          const val = v.valAccuracy !== undefined ? `  val ${pct(v.valAccuracy)}` : '';
          line(`epoch ${e.epoch}/${totalEpochs}  train loss ${num(v.trainLoss)} acc ${pct(v.trainAccuracy)}${val}  test loss ${num(v.testLoss)} acc ${pct(v.testAccuracy)}  (${(e.timeMs / 1000).toFixed(1)} s)`);
        }
        break;
      }
      case 'progress':
        if (e.phase !== 'download' && e.done !== e.total) break;
        line(`${e.phase}: ${e.done}/${e.total}${e.message ? ` ${e.message}` : ''}`);
        break;
      case 'spectrum': {
        line(`Hessian at epoch ${e.epoch}: λ = [${e.topEigenvalues.map((x) => x.toPrecision(4)).join(', ')}]` + (e.lambdaMaxOverLambda5 !== null ? `  λmax/λ5 ${e.lambdaMaxOverLambda5.toFixed(2)}` : '') + (e.trace !== null ? `  trace ${e.trace.toPrecision(4)}` : '') + `  (${hvpMethodLabel(e)})`);
        const warning = finiteDifferenceWarning(e);
        if (warning) line(`warning: ${warning}`);
        break;
      }
      case 'checkpoint':
        line(`checkpoint: ${e.path}`);
        break;
      case 'log':
        if (e.level !== 'info') line(`${e.level}: ${e.message}`);
        break;
      default:
        clearLive();
        break;
    }
  };
}

/** The closing lines for stdout; `resume` is the command that continues a stopped run. */
export function summarize(e: TrainerEvent, resume?: string): string {
  if (e.event === 'done') {
    const m = e.metrics;
    const extra = [
      m.valAccuracy !== undefined ? `val accuracy ${pct(m.valAccuracy)}` : null,
      m.sharpness !== undefined ? `sharpness ${num(m.sharpness)}` : null,
      m.lambdaMax !== undefined ? `λmax ${num(m.lambdaMax, 3)}` : null,
    ].filter(Boolean);
    return [
      `done in ${(e.elapsedMs / 1000).toFixed(1)} s on ${e.backend}: ${e.epochs} epochs, ${e.steps} steps`,
      `  test accuracy ${pct(m.testAccuracy)}  test loss ${num(m.testLoss)}`,
      `  train accuracy ${pct(m.trainAccuracy)}  train loss ${num(m.trainLoss)}`,
      ...(extra.length ? [`  ${extra.join('  ')}`] : []),
    ].join('\n');
  }
  if (e.event === 'stopped') return `stopped at step ${e.step}${e.checkpoint ? ` with a checkpoint: ${e.checkpoint}` : ''}${resume ? `\ncontinue with: ${resume}` : ''}`;
  if (e.event === 'failed') return `failed: ${e.reason}`;
  return '';
}
