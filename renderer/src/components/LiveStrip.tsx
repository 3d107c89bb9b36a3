import { formatMetric } from '../../../electron/shared/contract/metrics';
import { latest, seriesOf, useMetricsFeed } from '../features/monitor/feed';

/** Sum of the newest values of several series; null when none has one. */
function total(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? present.reduce((a, b) => a + b, 0) : null;
}

/**
 * CPU, RAM, VRAM and tokens/s, visible from every page. It watches host, GPU and engines
 * only: Docker stats streams are opened by the Monitor page, not by this strip.
 */
export function LiveStrip() {
  const feed = useMetricsFeed(['host', 'gpu', 'engines']);
  const cpu = latest(feed.series.get('host.cpu'));
  const mem = feed.series.get('host.mem.used');
  const gpus = seriesOf(feed, ['vram']);
  const vram = total(gpus.map((s) => latest(s)));
  const vramMax = gpus.reduce((m, s) => m + (s.def.max ?? 0), 0);
  // The chat's own stream rate and the servers' counters describe the same tokens when the
  // Playground talks to a scraped server, so the larger one is shown rather than their sum.
  const tokens = seriesOf(feed, ['tokens']);
  const chat = latest(feed.series.get('chat.tokens'));
  const servers = total(tokens.filter((s) => s.def.id !== 'chat.tokens').map((s) => latest(s)));
  const tps = chat === null ? servers : servers === null ? chat : Math.max(chat, servers);

  const items = [
    { key: 'cpu', label: 'CPU', value: formatMetric(cpu, 'percent'), bar: cpu === null ? null : cpu / 100 },
    {
      key: 'ram',
      label: 'RAM',
      value: formatMetric(latest(mem), 'bytes'),
      bar: mem?.def.max && latest(mem) !== null ? latest(mem)! / mem.def.max : null,
    },
    {
      key: 'vram',
      label: 'VRAM',
      value: gpus.length ? formatMetric(vram, 'bytes') : 'no GPU',
      bar: vram !== null && vramMax > 0 ? vram / vramMax : null,
    },
    { key: 'tps', label: 'Tokens', value: tokens.length ? formatMetric(tps, 'tokensPerSecond') : '—', bar: null },
  ];

  return (
    <a className="live-strip" href="#/monitor" aria-label="Live resources (open the Monitor page)" data-testid="live-strip">
      {items.map((it) => (
        <span key={it.key} className="live-item" data-metric={it.key}>
          <span className="live-label">{it.label}</span>
          <span className="live-value">{it.value}</span>
          {it.bar !== null && (
            <meter className="live-bar" min={0} max={1} value={Math.min(1, Math.max(0, it.bar))} aria-hidden />
          )}
        </span>
      ))}
    </a>
  );
}
