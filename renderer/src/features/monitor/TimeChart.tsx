import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatMetric, type MetricUnit } from '../../../../electron/shared/contract/metrics';
import { windowStart, type FeedSeries } from './feed';
import { PALETTE } from '../../components/palette';

/** Tableau 10: distinguishable in light and dark themes and for most colour-vision deficiencies. */

const BYTE_STEPS = [0, 1, 2, 3, 4].flatMap((k) => [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].map((m) => m * 1024 ** k));
/** Counts (requests, models loaded) only ever sit on whole numbers. */
const COUNT_STEPS = [0, 1, 2, 3, 4, 5, 6].flatMap((k) => [1, 2, 5].map((m) => m * 10 ** k));

/** The newest non-gap value of a uPlot data column. */
function lastValue(col: ArrayLike<number | null | undefined> | undefined): number | null {
  if (!col) return null;
  for (let i = col.length - 1; i >= 0; i--) {
    const v = col[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

/** Width of the y axis: its longest label (about 7 px a character at 12 px) plus the tick and a gap. */
function axisWidth(values: string[] | null | undefined): number {
  const longest = Math.max(0, ...(values ?? []).map((v) => v.length));
  return Math.max(40, longest * 7 + 18);
}

export interface TimeChartProps {
  title: string;
  unit: MetricUnit;
  at: number[];
  series: FeedSeries[];
  windowMs: number;
  paused: boolean;
  /** The axis goes at least this high (100 % for CPU, the memory total). */
  yMax?: number | null;
  height?: number;
  /** The feed's version: a new value means new rows. */
  version: number;
}

/** Axis and grid colours follow the theme; charts are rebuilt when it changes. */
function useThemeColors(): { text: string; muted: string; border: string } {
  const read = () => {
    const cs = getComputedStyle(document.documentElement);
    return {
      text: cs.getPropertyValue('--text').trim() || '#1b1f27',
      muted: cs.getPropertyValue('--muted').trim() || '#5d6675',
      border: cs.getPropertyValue('--border').trim() || '#d9dde4',
    };
  };
  const [colors, setColors] = useState(read);
  useEffect(() => {
    const update = () => setColors((c) => {
      const n = read();
      return n.text === c.text && n.muted === c.muted && n.border === c.border ? c : n;
    });
    const mo = new MutationObserver(update);
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    mq.addEventListener('change', update);
    return () => {
      mo.disconnect();
      mq.removeEventListener('change', update);
    };
  }, []);
  return colors;
}

/** The rows within the window as uPlot wants them: seconds on x, one array per series, null for gaps. */
export function chartData(at: number[], series: FeedSeries[], windowMs: number): uPlot.AlignedData {
  const start = windowStart(at, windowMs);
  const xs = new Float64Array(at.length - start);
  for (let i = start; i < at.length; i++) xs[i - start] = at[i] / 1000;
  return [xs, ...series.map((s) => s.values.slice(start))] as uPlot.AlignedData;
}

/**
 * One uPlot canvas chart. New rows call setData on the existing instance (no React
 * re-render of the plot, no SVG); the instance is rebuilt only when the set of series,
 * the unit or the theme changes.
 */
export function TimeChart({ title, unit, at, series, windowMs, paused, yMax, height = 170, version }: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const figure = useRef<HTMLElement>(null);
  const plot = useRef<uPlot | null>(null);
  const windowRef = useRef(windowMs);
  windowRef.current = windowMs;
  const yMaxRef = useRef(yMax ?? null);
  yMaxRef.current = yMax ?? null;
  const colors = useThemeColors();
  const shape = useMemo(() => series.map((s) => `${s.def.id}\u0000${s.def.label}`).join('\u0001'), [series]);
  const latest = useRef({ at, series });
  latest.current = { at, series };

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const { at: a, series: ss } = latest.current;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      padding: [8, 8, 0, 0],
      // One cursor across every chart: hovering a moment shows CPU, memory and tokens/s of that second together.
      cursor: { drag: { x: false, y: false }, points: { size: 6 }, sync: { key: 'slm-deck-monitor' } },
      legend: { live: true },
      scales: {
        x: { time: true, range: (_u, _min, max) => [max - windowRef.current / 1000, max] },
        y: {
          range: (_u, _min, max) => {
            const top = yMaxRef.current;
            const m = Number.isFinite(max) ? max : 0;
            return [0, top ? Math.max(top, m) : m > 0 ? m * 1.15 : 1];
          },
        },
      },
      // Away from the cursor the legend reads the newest values, not dashes.
      series: [
        {
          value: (u, v, _si, idx) => {
            const t = idx === null ? lastValue(u.data[0]) : v;
            return t === null ? '—' : new Date(t * 1000).toLocaleTimeString();
          },
        },
        ...ss.map((s, i) => ({
          label: s.def.label,
          stroke: PALETTE[i % PALETTE.length],
          // Whole-pixel lines: a 1.5 px anti-aliased stroke made software-rasterised frames three times slower (npm run bench).
          width: 1,
          points: { show: false },
          value: (u: uPlot, v: number | null, si: number, idx: number | null) => formatMetric(idx === null ? lastValue(u.data[si]) : v, unit),
        })),
      ],
      axes: [
        {
          stroke: colors.muted,
          grid: { stroke: colors.border, width: 1 },
          ticks: { stroke: colors.border, width: 1 },
          // One line of wall-clock time per tick: uPlot's default second line (date, hour) ran its labels together.
          space: 90,
          values: (_u, splits) => splits.map((v) => new Date(v * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })),
        },
        {
          stroke: colors.muted,
          // As wide as its longest label ("1234.5 tok/s" was clipped at a fixed width).
          size: (_u, values) => axisWidth(values),
          grid: { stroke: colors.border, width: 1 },
          ticks: { stroke: colors.border, width: 1 },
          values: (_u, splits) => splits.map((v) => formatMetric(v, unit)),
          // Byte axes step in binary multiples (2, 4, 8 GiB), so labels come out round; counts in whole numbers.
          ...(unit === 'bytes' ? { incrs: BYTE_STEPS } : unit === 'count' ? { incrs: COUNT_STEPS } : {}),
        },
      ],
    };
    const u = new uPlot(opts, chartData(a, ss, windowRef.current), el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [shape, unit, colors, height]);

  useEffect(() => {
    const u = plot.current;
    if (!u || paused) return;
    const data = chartData(at, series, windowMs);
    u.setData(data);
    // What the chart holds, for tests and assistive tools: rows drawn and the newest values.
    const f = figure.current;
    if (f) {
      f.dataset.points = String(data[0].length);
      // Rows with a value in some series (gaps, e.g. while nothing sampled a container, do not count).
      let filled = 0;
      for (let i = 0; i < data[0].length; i++) if (data.slice(1).some((col) => col[i] != null)) filled++;
      f.dataset.filled = String(filled);
      f.dataset.series = String(series.length);
      f.dataset.last = JSON.stringify(series.map((s) => s.values[s.values.length - 1] ?? null));
    }
  }, [version, windowMs, paused, shape, at, series]);

  return (
    <figure className="chart card" ref={figure} data-chart={title}>
      <figcaption className="chart-title">{title}</figcaption>
      <div ref={box} className="chart-plot" />
    </figure>
  );
}
