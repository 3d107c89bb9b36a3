import type { Backend, DeploymentConfig } from '../../shared/contract/deploy-config';
import { backendDefinition, backendDefinitions, backendLabel } from '../backends';
import type { Catalog, CatalogModel, FitRow, HardwareProfile, ModelForm, Plan, Recommendation, Tier } from '../../shared/contract/hardware';
import { findModel, formRef } from './catalog';
import { evaluate, machineView, runsInDocker, type MachineView, type RowInput } from './estimate';
import { fmtBytes, fmtInt, fmtSize, GIB } from '../../shared/format';

export const DEFAULT_CONTEXT = 4096;
const CONTEXT_STEP = 256;

/** The seed's resource tiers (minimum / recommended RAM, VRAM, disk), in its decimal GB. */
export const TIERS: Record<Tier, { label: string; minRamGB: number; recRamGB: number; vramGB?: string; diskGB: number }> = {
  development: { label: 'Development', minRamGB: 6, recRamGB: 8, diskGB: 8 },
  'cpu-production': { label: 'CPU production', minRamGB: 8, recRamGB: 12, diskGB: 10 },
  'gpu-production': { label: 'GPU production', minRamGB: 6, recRamGB: 8, vramGB: '4-6', diskGB: 8 },
  'edge-optimised': { label: 'Edge-optimised', minRamGB: 4, recRamGB: 6, diskGB: 6 },
};

export interface PlanOptions {
  model?: string;
  context?: number;
  parallel?: number;
  /** Settings: the interface published ports bind to. */
  bindHost: string;
}

const plural = (n: number, word: string) => `${fmtInt(n)} ${word}${n === 1 ? '' : 's'}`;

/** The largest context (a multiple of 256) whose verdict passes `ok`; verdicts only worsen as context grows. */
export function largestContext(catalog: Catalog, input: Omit<RowInput, 'context'>, m: MachineView, ok: (v: FitRow['verdict']) => boolean): number | null {
  const maxSteps = Math.floor(input.model.architecture.maxContext / CONTEXT_STEP);
  const passes = (steps: number) => ok(evaluate(catalog, { ...input, context: steps * CONTEXT_STEP }, m).verdict);
  if (!passes(1)) return null;
  let lo = 1;
  let hi = maxSteps;
  if (passes(hi)) return hi * CONTEXT_STEP;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (passes(mid)) lo = mid;
    else hi = mid;
  }
  return lo * CONTEXT_STEP;
}

export function fitRow(catalog: Catalog, input: RowInput, m: MachineView): FitRow {
  const e = evaluate(catalog, input, m);
  const rest = { backend: input.backend, model: input.model, form: input.form, parallel: input.parallel };
  return {
    backend: input.backend,
    model: formRef(input.model, input.form),
    formLabel: input.form.label,
    context: input.context,
    parallel: input.parallel,
    verdict: e.verdict,
    reason: e.reason,
    ...(e.hint ? { hint: e.hint } : {}),
    estimate: e.estimate,
    maxContext:
      e.verdict === 'unavailable'
        ? { fits: null, tight: null }
        : {
            fits: largestContext(catalog, rest, m, (v) => v === 'fits'),
            tight: largestContext(catalog, rest, m, (v) => v === 'fits' || v === 'tight'),
          },
    notes: e.notes,
  };
}

/** Every (backend, form) of a model at one context and parallelism. */
export function fitTable(catalog: Catalog, model: CatalogModel, context: number, parallel: number, m: MachineView): FitRow[] {
  const rows: FitRow[] = [];
  for (const backend of backendDefinitions().map((d) => d.info.id)) {
    for (const form of model.forms) {
      if (form.backends.includes(backend)) rows.push(fitRow(catalog, { backend, model, form, context: Math.min(context, model.architecture.maxContext), parallel }, m));
    }
  }
  return rows;
}

/** The measured facts a plan rests on, in words. */
export function describeFacts(p: HardwareProfile): string[] {
  const f = p.cpu.flags;
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  const facts = [
    `CPU: ${p.cpu.model}, ${plural(p.cpu.physicalCores, 'core')} / ${plural(p.cpu.logicalCores, 'thread')}; ${
      p.os.arch === 'arm64' ? `NEON ${yes(f.neon)}` : `AVX2 ${yes(f.avx2)}, AVX-512 ${yes(f.avx512)}, AMX ${yes(f.amx)}`
    }.`,
    `Memory: ${fmtBytes(p.memory.totalBytes)} in total, ${fmtBytes(p.memory.availableBytes)} available now, ${
      p.memory.swapTotalBytes ? `${fmtBytes(p.memory.swapTotalBytes)} swap (not counted: a model in swap is unusably slow)` : 'no swap'
    }.`,
  ];
  if (p.gpus.length === 0) {
    const why = p.gpuTools.map((t) => t.message.replace(/\.$/, '')).join('; ');
    facts.push(`GPU: none found (${why || 'no GPU tool answered'}).`);
  }
  for (const g of p.gpus) {
    const vram = g.vramTotalBytes === null ? 'VRAM unknown' : `${fmtBytes(g.vramTotalBytes)} ${g.unifiedMemory ? 'unified memory' : 'VRAM'}${g.vramFreeBytes !== null ? ` (${fmtBytes(g.vramFreeBytes)} free)` : ''}`;
    const extra = [g.cudaVersion && `CUDA ${g.cudaVersion}`, g.computeCapability && `compute capability ${g.computeCapability}`, g.api === 'none' && 'no compute driver found']
      .filter(Boolean)
      .join(', ');
    facts.push(`GPU ${g.index}: ${g.name}, ${vram}${extra ? `, ${extra}` : ''}.`);
  }
  for (const t of p.gpuTools) if (t.state === 'unknown') facts.push(`${t.tool}: ${t.message}${t.hint ? ` ${t.hint}` : ''}`);
  const d = p.docker;
  facts.push(
    d.reachable
      ? `Docker ${d.version} at ${d.endpoint} (${d.os ?? '?'}/${d.arch ?? '?'}); GPU passthrough: ${
          d.gpuPassthrough ? `yes (${[d.nvidiaRuntime && 'nvidia runtime', d.cdiDevices.length && `CDI ${d.cdiDevices.join(', ')}`].filter(Boolean).join(', ') || 'Docker Desktop WSL 2'})` : 'no (no NVIDIA runtime or CDI device)'
        }.`
      : `Docker: not reachable. ${d.reason ?? ''}`.trim(),
  );
  const disk = (x: HardwareProfile['disks']['models'] | null) => (x?.freeBytes != null ? `${fmtSize(x.freeBytes)} free at ${x.path}` : null);
  facts.push(`Disk: ${[disk(p.disks.models) && `${disk(p.disks.models)} (model store)`, disk(p.disks.dockerData) && `${disk(p.disks.dockerData)} (Docker data)`].filter(Boolean).join('; ') || 'free space unknown'}.`);
  facts.push(p.ollama.reachable ? `Ollama ${p.ollama.version} already answers at ${p.ollama.url}.` : `Ollama: no native server at ${p.ollama.url}.`);
  return facts;
}

interface Candidate {
  backend: Backend;
  form: ModelForm;
  context: number;
  parallel: number;
}

function bestEffortParallel(catalog: Catalog, c: Candidate, model: CatalogModel, m: MachineView, fixed: boolean) {
  // Halve the parallel requests until it fits, unless the user asked for a number.
  let parallel = c.parallel;
  let row = fitRow(catalog, { backend: c.backend, model, form: c.form, context: c.context, parallel }, m);
  while (!fixed && row.verdict !== 'fits' && parallel > 1) {
    parallel = Math.max(1, Math.floor(parallel / 2));
    row = fitRow(catalog, { backend: c.backend, model, form: c.form, context: c.context, parallel }, m);
  }
  return row;
}

function smallestFit(rows: FitRow[]): FitRow | undefined {
  const rank = { fits: 0, tight: 1, 'wont-fit': 2, unavailable: 3 } as const;
  return [...rows].sort((a, b) => rank[a.verdict] - rank[b.verdict] || a.estimate.totalBytes - b.estimate.totalBytes)[0];
}

export function recommend(catalog: Catalog, model: CatalogModel, p: HardwareProfile, opts: PlanOptions): Recommendation {
  const m = machineView(p);
  const why: string[] = [];
  const ctxFor = (tierDefault: number) => Math.min(opts.context ?? tierDefault, model.architecture.maxContext);
  const fixedParallel = opts.parallel !== undefined;
  const q4 = model.forms.find((f) => f.backends.includes('ollama') && /q4/i.test(f.precision)) ?? model.forms.find((f) => f.backends.includes('ollama'));
  const cpuOnnx = model.forms.find((f) => f.format === 'onnx' && f.device === 'cpu');
  const vllmForm = model.forms.find((f) => f.backends.includes('vllm-gpu') && !f.unavailableReason);
  const ramGB = p.memory.totalBytes / 1e9;
  const cpuTier: Tier = ramGB >= TIERS['cpu-production'].recRamGB ? 'cpu-production' : ramGB >= TIERS.development.recRamGB ? 'development' : 'edge-optimised';

  let chosen: { tier: Tier; row: FitRow } | undefined;

  // 1. No Docker: the embedded engine is the only thing that runs.
  if (!m.docker.reachable) {
    why.push(`Docker is not reachable (${(m.docker.reason ?? 'no answer').replace(/\.$/, '')}), so the containerised backends are out and the embedded ONNX engine, which needs no Docker, is the way to run ${model.name}.`);
    // The engine runs on the CPU (see estimate.ts), so its GPU builds are not candidates.
    const row = cpuOnnx && bestEffortParallel(catalog, { backend: 'embedded', form: cpuOnnx, context: ctxFor(DEFAULT_CONTEXT), parallel: opts.parallel ?? 1 }, model, m, fixedParallel);
    if (row) chosen = { tier: ramGB >= TIERS.development.recRamGB ? 'development' : 'edge-optimised', row };
    if (m.docker.hint) why.push(`To use vLLM or Ollama later: ${m.docker.hint}`);
  } else {
    why.push(`Docker ${m.docker.version} is reachable, so each backend can run in its own container.`);
    // 2. NVIDIA GPU that containers can use: vLLM first (the seed's GPU production run), else Ollama on the GPU.
    if (m.cudaGpu && m.docker.gpuPassthrough) {
      const g = m.cudaGpu;
      why.push(`GPU ${g.index} (${g.name}, ${fmtBytes(g.vramTotalBytes!)}) has a working CUDA driver and Docker can pass it to containers.`);
      if (vllmForm) {
        const row = bestEffortParallel(catalog, { backend: 'vllm-gpu', form: vllmForm, context: ctxFor(8192), parallel: opts.parallel ?? 4 }, model, m, fixedParallel);
        if (row.verdict === 'fits') {
          why.push(`vLLM fits: ${row.reason}`);
          chosen = { tier: 'gpu-production', row };
        } else why.push(`vLLM is not a good fit: ${row.reason}`);
      }
      if (!chosen && q4) {
        const row = bestEffortParallel(catalog, { backend: 'ollama', form: q4, context: ctxFor(DEFAULT_CONTEXT), parallel: opts.parallel ?? 4 }, model, m, fixedParallel);
        if (row.verdict === 'fits') {
          why.push(`Ollama with the 4-bit ${q4.ollamaTag ?? q4.label} fits on the GPU instead: ${row.reason}`);
          chosen = { tier: 'gpu-production', row };
        } else why.push(`Ollama on the GPU does not fit either: ${row.reason}`);
      }
    } else if (m.cudaGpu) {
      why.push(`GPU ${m.cudaGpu.index} (${m.cudaGpu.name}) works, but Docker cannot pass it to containers, so the plan uses the CPU. Install the NVIDIA Container Toolkit to use the GPU.`);
    } else if (m.nvidiaWithoutDriver) {
      why.push(`An NVIDIA GPU may be present but its driver does not answer, so the plan uses the CPU. ${m.nvidiaHint ?? ''}`.trim());
    } else {
      why.push(`There is no NVIDIA GPU with CUDA${p.gpus.length ? ` (found: ${p.gpus.map((g) => g.name).join(', ')})` : ''}, so vLLM's GPU image is ruled out and the model runs on the CPU.`);
    }
    if (p.os.platform === 'darwin') why.push('Docker on macOS cannot reach the Apple GPU, so containers run on the CPU; a native Ollama would use Metal.');

    // 3. CPU: Ollama's 4-bit GGUF is the smallest and simplest; with little RAM pick whatever needs least.
    if (!chosen) {
      const t = TIERS[cpuTier];
      if (cpuTier !== 'edge-optimised' && q4) {
        why.push(
          `${fmtSize(p.memory.totalBytes)} (${fmtBytes(p.memory.totalBytes)}) of RAM meets the deployment guide's ${t.label} tier (${t.recRamGB} GB recommended), so Ollama on the CPU with the 4-bit ${q4.ollamaTag ?? q4.label} (${fmtSize(q4.weightsBytes)}) is the simplest fit.`,
        );
        chosen = { tier: cpuTier, row: bestEffortParallel(catalog, { backend: 'ollama', form: q4, context: ctxFor(DEFAULT_CONTEXT), parallel: opts.parallel ?? 4 }, model, m, fixedParallel) };
      } else {
        const rows = [q4 && { backend: 'ollama' as const, form: q4 }, cpuOnnx && { backend: 'onnx-engine' as const, form: cpuOnnx }]
          .filter((c): c is { backend: 'ollama' | 'onnx-engine'; form: ModelForm } => Boolean(c))
          .map((c) => fitRow(catalog, { ...c, model, context: ctxFor(DEFAULT_CONTEXT), parallel: opts.parallel ?? 1 }, m));
        const best = smallestFit(rows);
        if (best) {
          const others = rows.filter((r) => r !== best).map((r) => `${backendLabel(r.backend)} with ${r.formLabel} would need ${fmtBytes(r.estimate.totalBytes)}`);
          why.push(
            `${fmtSize(p.memory.totalBytes)} of RAM is below the deployment guide's ${TIERS.development.recRamGB} GB development recommendation, so the plan takes the 4-bit form that needs the least memory: ${best.formLabel} (${fmtBytes(best.estimate.totalBytes)})${others.length ? `; ${others.join('; ')}` : ''}.`,
          );
          chosen = { tier: 'edge-optimised', row: best };
        }
      }
    }
  }

  if (!chosen) {
    // Nothing matched a rule (e.g. a catalog model without these forms): take the smallest runnable row.
    const row = smallestFit(fitTable(catalog, model, ctxFor(DEFAULT_CONTEXT), opts.parallel ?? 1, m));
    if (!row) throw new Error(`catalog model ${model.id} has no forms`);
    chosen = { tier: cpuTier, row };
    why.push(`No tier rule matched ${model.name}, so the plan takes the option that needs the least memory.`);
  }

  const { row, tier } = chosen;
  const resolvedForm = model.forms.find((f) => formRef(model, f) === row.model)!;
  const config = buildConfig(model, resolvedForm, row, p, m, opts);
  why.push(explainEstimate(row));
  if (row.verdict !== 'fits') why.push(`Caution: ${row.reason}${row.maxContext.fits ? ` It fits at up to ${fmtInt(row.maxContext.fits)} tokens.` : ''}`);
  else if (row.maxContext.fits && row.maxContext.fits > row.context) why.push(`There is room for more: it fits up to ${fmtInt(row.maxContext.fits)} tokens of context at ${plural(row.parallel, 'parallel sequence')}.`);
  const usualPort = backendDefinition(config.backend).info.defaultHostPort;
  if (config.hostPort !== usualPort) {
    why.push(`Your native Ollama already uses port ${usualPort}, so the container is published on ${config.hostPort}.`);
  }

  const where = row.estimate.memory === 'vram' ? 'on the GPU' : backendDefinition(row.backend).info.runsIn === 'app' ? 'inside SLM Deck' : 'on the CPU';
  const formName = resolvedForm.ollamaTag ?? resolvedForm.label;
  return {
    tier,
    tierLabel: TIERS[tier].label,
    headline: `${backendLabel(row.backend)} with ${formName} ${where}, ${fmtInt(row.context)}-token context, ${plural(row.parallel, 'parallel request')}`,
    why,
    config,
    row,
    alternatives: alternatives(catalog, model, row, m),
  };
}

/** "5.21 GiB = 2.33 GiB weights + 2 GiB KV cache + ..." */
function explainEstimate(row: FitRow): string {
  const words: Record<FitRow['estimate']['terms'][number]['key'], string> = {
    weights: 'weights',
    'kv-cache': 'KV cache',
    runtime: 'runtime',
    logits: 'logits',
  };
  const terms = row.estimate.terms.map((t) => `${fmtBytes(t.bytes)} ${words[t.key]}`).join(' + ');
  const budget = row.estimate.budgetBytes !== null ? `; compared with ${fmtBytes(row.estimate.budgetBytes)} (${row.estimate.budgetLabel})` : '';
  return `At ${fmtInt(row.context)} tokens × ${plural(row.parallel, 'sequence')} it needs ${fmtBytes(row.estimate.totalBytes)} = ${terms}${budget}.`;
}

function alternatives(catalog: Catalog, model: CatalogModel, chosen: FitRow, m: MachineView): string[] {
  const rows = fitTable(catalog, model, chosen.context, chosen.parallel, m).filter((r) => r.model !== chosen.model || r.backend !== chosen.backend);
  const label = { fits: 'fits', tight: 'tight', 'wont-fit': "won't fit", unavailable: 'not available' } as const;
  // One line per backend: its best form.
  const byBackend = new Map<Backend, FitRow>();
  for (const r of rows) {
    const best = byBackend.get(r.backend);
    if (!best || (r.verdict !== 'unavailable' && smallestFit([best, r]) === r)) byBackend.set(r.backend, r);
  }
  return [...byBackend.values()].map((r) => `${backendLabel(r.backend)} with ${r.formLabel}: ${label[r.verdict]}. ${r.reason}`);
}

function buildConfig(model: CatalogModel, f: ModelForm, row: FitRow, p: HardwareProfile, m: MachineView, opts: PlanOptions): DeploymentConfig {
  const def = backendDefinition(row.backend);
  const onGpu = row.estimate.memory === 'vram' && m.cudaGpu !== null;
  let hostPort = def.info.defaultHostPort;
  if (def.info.runsIn === 'docker' && p.ollama.reachable && urlPort(p.ollama.url) === hostPort) hostPort += 1;
  // CPU inference wants every core; on larger machines leave one for the desktop.
  const cpuLimit = runsInDocker(row.backend) && !onGpu && p.cpu.logicalCores >= 4 ? p.cpu.logicalCores - 1 : null;
  const planned = { row, model, form: f, m, onGpu };
  const memLimit = def.planner.memoryLimitGb ? def.planner.memoryLimitGb(planned) : onGpu ? null : Math.ceil(row.estimate.totalBytes / GIB + 1);
  const extra = def.planner.config?.(planned) ?? {};
  return {
    backend: row.backend,
    model: row.model,
    hostPort,
    bindHost: opts.bindHost,
    contextLength: row.context,
    parallel: row.parallel,
    gpus: onGpu ? [String(m.cudaGpu!.index)] : [],
    memoryLimitGb: memLimit,
    cpus: cpuLimit,
    env: extra.env ?? {},
    openWebUi: false,
    ...(extra.vllm ? { vllm: extra.vllm } : {}),
    ...(extra.llamaCpp ? { llamaCpp: extra.llamaCpp } : {}),
  };
}

function urlPort(u: string): number | null {
  try {
    const url = new URL(u);
    return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  } catch {
    return null;
  }
}

/** The whole plan: facts, the fit table at one context, and the recommendation. */
export function buildPlan(catalog: Catalog, profile: HardwareProfile, opts: PlanOptions): Plan {
  const model = findModel(catalog, opts.model);
  const context = Math.min(opts.context ?? DEFAULT_CONTEXT, model.architecture.maxContext);
  const parallel = opts.parallel ?? 1;
  const m = machineView(profile);
  return {
    model: { id: model.id, name: model.name, maxContext: model.architecture.maxContext },
    context,
    parallel,
    facts: describeFacts(profile),
    rows: fitTable(catalog, model, context, parallel, m),
    recommendation: recommend(catalog, model, profile, opts),
    profileCollectedAt: profile.collectedAt,
  };
}
