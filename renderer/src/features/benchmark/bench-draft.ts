import { create } from 'zustand';
import { BENCH_DEFAULTS, type BenchPrompt } from '../../../../electron/shared/contract/bench';

export interface BenchForm {
  /** Backend id -> chosen model ('' = the backend's default). Present = selected. */
  selected: Record<string, string>;
  /** The user ticked or unticked something: stop preselecting answering backends. */
  touched: boolean;
  suite: BenchPrompt[] | null;
  suiteSource: string;
  runs: string;
  concurrency: string;
  maxTokens: string;
  temperature: string;
  seed: string;
  warmup: string;
  name: string;
}

interface BenchDraft extends BenchForm {
  taskId: string | null;
  /** The run shown under the form; null = the newest. */
  runId: string | null;
  /** Two runs ticked for comparison. */
  compare: string[];
  patch(p: Partial<BenchDraft>): void;
}

/** The form and the followed task survive leaving the page. */
export const useBenchDraft = create<BenchDraft>((set) => ({
  selected: {},
  touched: false,
  suite: null,
  suiteSource: "the deployment guide's test prompts",
  runs: String(BENCH_DEFAULTS.runs),
  concurrency: BENCH_DEFAULTS.concurrency.join(', '),
  maxTokens: String(BENCH_DEFAULTS.maxTokens),
  temperature: String(BENCH_DEFAULTS.temperature),
  seed: String(BENCH_DEFAULTS.seed),
  warmup: String(BENCH_DEFAULTS.warmup),
  name: '',
  taskId: null,
  runId: null,
  compare: [],
  patch: (p) => set(p),
}));

/** "1, 4" -> [1, 4]; null when it is not a list of whole numbers. */
export function parseLevels(text: string): number[] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (!parts.length || parts.some((p) => !/^\d+$/.test(p))) return null;
  return parts.map(Number);
}
