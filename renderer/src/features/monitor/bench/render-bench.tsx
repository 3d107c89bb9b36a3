/**
 * Harness for test/bench/metrics-render.ts (not part of the app bundle): renders the
 * Monitor page's TimeChart with a full 15-minute buffer and times each update frame.
 */
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { useState } from 'react';
import type { SeriesDef } from '../../../../../electron/shared/contract/metrics';
import '../../../styles.css';
import type { FeedSeries } from '../feed';
import { TimeChart } from '../TimeChart';

interface BenchState {
  at: number[];
  series: FeedSeries[];
  version: number;
}

const CHARTS = 4;
const PER_CHART = 2;
const POINTS = 900;

function initial(): BenchState {
  const now = Math.floor(Date.now() / 1000) * 1000;
  const at = Array.from({ length: POINTS }, (_, i) => now - (POINTS - 1 - i) * 1000);
  const series: FeedSeries[] = [];
  for (let c = 0; c < CHARTS; c++) {
    for (let s = 0; s < PER_CHART; s++) {
      const id = `bench.${c}.${s}`;
      const def: SeriesDef = { id, label: `Series ${c}.${s}`, unit: 'percent', group: 'cpu', scope: 'host', subject: `chart ${c}`, max: 100 };
      series.push({ def, values: at.map((_, i) => 50 + 40 * Math.sin((i + c * 37 + s * 11) / 17)) });
    }
  }
  return { at, series, version: 0 };
}

let push: () => void = () => undefined;

function Bench() {
  const [st, setSt] = useState(initial);
  push = () =>
    setSt((prev) => {
      // One new row per tick, oldest dropped: what the feed does at 1 Hz with a full buffer.
      const t = prev.at[prev.at.length - 1] + 1000;
      const at = [...prev.at.slice(1), t];
      const series = prev.series.map((s, k) => ({ def: s.def, values: [...s.values.slice(1), 50 + 45 * Math.sin(t / 9000 + k)] }));
      return { at, series, version: prev.version + 1 };
    });
  return (
    <div className="chart-grid" style={{ width: 1100 }}>
      {Array.from({ length: CHARTS }, (_, c) => (
        <TimeChart
          key={c}
          title={`Chart ${c}`}
          unit="percent"
          at={st.at}
          series={st.series.slice(c * PER_CHART, (c + 1) * PER_CHART)}
          windowMs={15 * 60_000}
          paused={false}
          yMax={100}
          version={st.version}
        />
      ))}
    </div>
  );
}

/** Time from the start of an update in a frame until that frame has been rendered (the next task after paint). */
function frame(update: () => void): Promise<{ frameMs: number; scriptMs: number }> {
  return new Promise((resolve) =>
    requestAnimationFrame(() => {
      const t0 = performance.now();
      update();
      // uPlot commits on a microtask; count it as script time.
      queueMicrotask(() => {
        const scriptMs = performance.now() - t0;
        const ch = new MessageChannel();
        ch.port1.onmessage = () => resolve({ frameMs: performance.now() - t0, scriptMs });
        ch.port2.postMessage(0);
      });
    }),
  );
}

declare global {
  interface Window {
    runBench(updates: number, spacingMs: number, idle?: boolean): Promise<{ frameMs: number[]; scriptMs: number[]; points: number; series: number }>;
  }
}

/** `idle` measures the same frames without an update: the browser's own cost per frame. */
window.runBench = async (updates, spacingMs, idle = false) => {
  const frameMs: number[] = [];
  const scriptMs: number[] = [];
  for (let i = 0; i < updates; i++) {
    const r = await frame(() => (idle ? undefined : flushSync(() => push())));
    frameMs.push(r.frameMs);
    scriptMs.push(r.scriptMs);
    await new Promise((res) => setTimeout(res, spacingMs));
  }
  const figs = [...document.querySelectorAll<HTMLElement>('figure[data-chart]')];
  return {
    frameMs,
    scriptMs,
    points: Math.min(...figs.map((f) => Number(f.dataset.points))),
    series: figs.reduce((n, f) => n + Number(f.dataset.series), 0),
  };
};

createRoot(document.getElementById('root')!).render(<Bench />);
