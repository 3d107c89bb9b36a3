import { useEffect, useState } from 'react';
import { useCall, useInvalidateOn } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';
import { useConnection } from '../../stores/connection';
import { useTask } from '../../stores/tasks';
import { useBenchDraft } from './bench-draft';
import { CompareView } from './CompareView';
import { HistoryList } from './HistoryList';
import { ResultsView } from './ResultsView';
import { RunProgress } from './RunProgress';
import { SetupForm } from './SetupForm';

/**
 * "Which backend should I run on this machine?": pick backends (those answering are ticked),
 * Run, and read the seed's comparison table with this machine's numbers, the charts, and
 * every figure; history, compare two runs, export CSV / JSON / Markdown.
 */
export function BenchmarkPage() {
  const open = useConnection((s) => s.state === 'open');
  const [ready, setReady] = useState(open);
  useEffect(() => {
    if (open) setReady(true);
  }, [open]);
  return (
    <section className="page benchmark" aria-labelledby="bench-title">
      <h1 id="bench-title">Benchmark</h1>
      <p className="muted">
        The same prompts against each backend, taking turns, at each concurrency level: time to first token, decode speed, latency, throughput and
        peak memory, measured on this machine.
      </p>
      {ready ? <BenchmarkContent /> : <p className="muted">Connecting…</p>}
    </section>
  );
}

function BenchmarkContent() {
  const d = useBenchDraft();
  const history = useCall('bench.list', {});
  useInvalidateOn('bench.changed', ['bench.list', 'bench.get', 'bench.comparison', 'bench.compare']);

  // A reload finds a run still going.
  const task = useTask(d.taskId, 'bench');
  const running = task?.state === 'running';
  const finishedRun = task?.state === 'succeeded' ? (task.result as { runId?: string } | undefined)?.runId : undefined;
  useEffect(() => {
    if (finishedRun) useBenchDraft.setState({ runId: finishedRun });
  }, [finishedRun]);

  const runs = history.data ?? [];
  const shown = d.runId && runs.some((r) => r.id === d.runId) ? d.runId : (runs[0]?.id ?? null);
  const pair = d.compare.filter((id) => runs.some((r) => r.id === id));
  const [a, b] = pair.length === 2 ? [...pair].sort((x, y) => runs.findIndex((r) => r.id === y) - runs.findIndex((r) => r.id === x)) : [];

  return (
    <>
      <SetupForm running={running} />
      {task && <RunProgress task={task} />}
      {shown && <ResultsView runId={shown} />}
      {a && b && <CompareView a={a} b={b} />}
      <section className="card" aria-labelledby="bench-history-title">
        <h2 id="bench-history-title">History</h2>
        {history.error && <ErrorBox error={history.error} />}
        <HistoryList runs={runs} shown={shown} compare={d.compare} onOpen={(runId) => d.patch({ runId })} onCompare={(compare) => d.patch({ compare })} />
      </section>
    </>
  );
}
