// UI bench: the Compare page in real Chromium through the browser door, with 5 and 50 runs ×
// 10,000 stored points each (seeded straight into a temporary store), measuring
//   - time to first render: navigation → both overlay charts drawn with data (page clock);
//   - frame time while one run streams: a real trainer run (two moons, an event per step) is
//     added to the comparison and requestAnimationFrame intervals are recorded for a few seconds.
// The page asks the store for downsampled series (pointsPerRun in stores/compare.ts), so the
// figures show what that budget costs, not what 500,000 raw points would.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/main/services/store/index';
import type { MetricPoint } from '../src/main/services/store/index';
import { parseRunConfig } from '../src/shared/config';
import { openBrowser, startStudio } from '../test/e2e/harness';

const POINTS = 10_000;
const EPOCHS = 20;
const STREAM_MS = 5_000;

function ensureWebBuild(): void {
  if (existsSync('out/web/index.html') && process.env.SAM_BENCH_REBUILD !== '1') return;
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'vite.web.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
}

/** N finished runs with POINTS step points of trainLoss and EPOCHS epoch points of four metrics. */
function seed(dbPath: string, n: number): number[] {
  const store = openStore(dbPath);
  const ids: number[] = [];
  try {
    for (let r = 0; r < n; r++) {
      const rho = [0, 0.02, 0.05, 0.1, 0.2][r % 5];
      const config = parseRunConfig({
        name: `bench ${r}`,
        seed: Math.floor(r / 5),
        epochs: EPOCHS,
        batchSize: 128,
        data: { name: 'fashion-mnist' },
        model: { kind: 'mlp', hidden: [256] },
        optimizer: { kind: 'sgd', lr: 0.05 },
        sam: rho ? { rho } : null,
      });
      const run = store.createRun({ name: config.name!, config, status: 'done' });
      ids.push(run.id);
      const stepsPerEpoch = POINTS / EPOCHS;
      const points: MetricPoint[] = [];
      for (let s = 1; s <= POINTS; s++) {
        const t = s / POINTS;
        // A decaying loss with noise: shaped like training, different per run.
        const value = 2.3 * Math.exp(-3 * t * (1 + r / n)) + 0.2 + 0.08 * Math.sin(s * 0.37 + r) * Math.random();
        points.push({ runId: run.id, scope: 'step', name: 'trainLoss', step: s, epoch: s / stepsPerEpoch, timeMs: s * 15, value });
      }
      for (let e = 1; e <= EPOCHS; e++) {
        const step = e * stepsPerEpoch;
        const acc = 0.7 + 0.2 * (1 - Math.exp(-e / 5)) + 0.01 * (r % 7);
        for (const [name, value] of [
          ['testAccuracy', acc],
          ['trainAccuracy', acc + 0.03],
          ['testLoss', 1 - acc + 0.1],
          ['trainLoss', 1 - acc],
        ] as const)
          points.push({ runId: run.id, scope: 'epoch', name, step, epoch: e, timeMs: step * 15, value });
      }
      store.addPoints(points);
      store.setRunState(run.id, { status: 'done', progress: 1, finalMetrics: { testAccuracy: 0.9, testLoss: 0.3, trainLoss: 0.2, trainAccuracy: 0.93 } });
    }
  } finally {
    store.close();
  }
  return ids;
}

/** Runs in the page: rAF intervals over windowMs and the overlay's redraw count and cost. */
async function frameProbe(windowMs: number): Promise<{ median: number; p95: number; max: number; draws: number; drawMs: number }> {
  const fig = document.querySelector<HTMLElement>('.compare figure[data-points]')!;
  const draws0 = Number(fig.dataset.draws ?? 0);
  const gaps: number[] = [];
  await new Promise<void>((done) => {
    let last = performance.now();
    const t0 = last;
    const tick = (now: number) => {
      gaps.push(now - last);
      last = now;
      if (now - t0 < windowMs) requestAnimationFrame(tick);
      else done();
    };
    requestAnimationFrame(tick);
  });
  gaps.shift();
  gaps.sort((a, b) => a - b);
  return {
    median: gaps[Math.floor(gaps.length / 2)],
    p95: gaps[Math.floor(gaps.length * 0.95)],
    max: gaps[gaps.length - 1],
    draws: Number(fig.dataset.draws ?? 0) - draws0,
    drawMs: Number(fig.dataset.drawMs ?? 0),
  };
}

/** SAM_BENCH_PROFILE=1: CPU profile of the page during the streaming window (where frames go). */
async function startProfile(page: import('playwright-core').Page): Promise<() => Promise<string>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  return async () => {
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[] } };
    const byNode = new Map<number, number>();
    profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    const byFn = new Map<string, number>();
    for (const node of profile.nodes) {
      const t = byNode.get(node.id) ?? 0;
      const key = `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber}`;
      byFn.set(key, (byFn.get(key) ?? 0) + t);
    }
    return [...byFn.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([k, us]) => `  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`)
      .join('\n');
  };
}

interface UiFigures {
  runs: number;
  pointsPerRun: number;
  firstRenderMs: number;
  pointsDrawn: number;
  frameMedianMs: number;
  frameP95Ms: number;
  frameMaxMs: number;
  redrawsPerSec: number;
  /** JS + canvas-command time of the overlay's last redraw (rasterising comes after). */
  lastRedrawMs: number;
  liveStepsDuringWindow: number;
}

async function measure(n: number): Promise<UiFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'sam-bench-ui-'));
  const ids = seed(join(dir, 'studio.db'), n);
  const studio = await startStudio({ dir, concurrency: 1 });
  const browser = await openBrowser();
  const page = browser.page;
  try {
    // Time to first render: fresh page load of the Compare route, until both overlays have data.
    const drawn = () => [...document.querySelectorAll<HTMLElement>('.compare figure[data-points]')].slice(0, 2).every((f) => Number(f.dataset.series) > 0);
    await page.goto(`${studio.server.url}#/compare?ids=${ids.join(',')}`);
    await page.waitForFunction(drawn, undefined, { polling: 'raf', timeout: 120_000 });
    const firstRenderMs = await page.evaluate(() => performance.now());
    const pointsDrawn = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.compare figure[data-points]')].slice(0, 2).reduce((a, f) => a + Number(f.dataset.points), 0),
    );

    // One real run streams (an event per step) while the N stored runs stay on the page.
    const live = await studio.services.createRun(
      parseRunConfig({
        name: 'bench live',
        epochs: 200,
        batchSize: 16,
        logEvery: 1,
        data: { name: 'synthetic-moons', samples: 2000, noise: 0.2 },
        model: { kind: 'mlp', hidden: [16] },
        optimizer: { kind: 'sgd', lr: 0.05 },
        sam: { rho: 0.05 },
      }),
    );
    for (let i = 0; i < 600; i++) {
      const r = await studio.services.getRun(live.id);
      if (r.status === 'running' && (r.progress > 0 || i > 100)) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    await page.goto(`${studio.server.url}#/compare?ids=${[...ids, live.id].join(',')}`);
    await page.waitForFunction(drawn, undefined, { polling: 'raf', timeout: 120_000 });
    const before = (await studio.services.getRun(live.id)).progress;
    const profiler = process.env.SAM_BENCH_PROFILE === '1' ? await startProfile(page) : null;
    const stats = await page.evaluate(frameProbe, STREAM_MS);
    if (profiler) console.log(`profile (${n} runs), self time by function:\n${await profiler()}`);
    const after = await studio.services.getRun(live.id);
    await studio.services.stopRun(live.id).catch(() => undefined);
    const stepsPerEpoch = Math.ceil(2000 / 16);
    return {
      runs: n,
      pointsPerRun: POINTS,
      firstRenderMs: Math.round(firstRenderMs),
      pointsDrawn,
      frameMedianMs: +stats.median.toFixed(1),
      frameP95Ms: +stats.p95.toFixed(1),
      frameMaxMs: +stats.max.toFixed(1),
      redrawsPerSec: +(stats.draws / (STREAM_MS / 1000)).toFixed(1),
      lastRedrawMs: stats.drawMs,
      liveStepsDuringWindow: Math.round((after.progress - before) * 200 * stepsPerEpoch),
    };
  } finally {
    await browser.close();
    await studio.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(opts: { json: boolean }): Promise<void> {
  ensureWebBuild();
  for (const n of [5, 50]) {
    const f = await measure(n);
    if (opts.json) console.log(JSON.stringify({ bench: 'ui', ...f }));
    else
      console.log(
        `compare ${String(f.runs).padStart(2)} runs × ${f.pointsPerRun} points: first render ${f.firstRenderMs} ms (${f.pointsDrawn} points drawn after store downsampling); ` +
          `while one run streams: frame median ${f.frameMedianMs} ms, p95 ${f.frameP95Ms} ms, max ${f.frameMaxMs} ms, ${f.redrawsPerSec} chart redraws/s (last took ${f.lastRedrawMs} ms), ~${f.liveStepsDuringWindow} live steps in ${STREAM_MS / 1000} s`,
      );
  }
}
