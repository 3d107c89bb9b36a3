import type { Backend, DeploymentConfig } from '../../shared/contract/deploy-config';
import type {
  Catalog,
  CatalogModel,
  DiskSpace,
  DockerProbeResult,
  Estimate,
  EstimateTerm,
  GpuInfo,
  HardwareProfile,
  ModelForm,
  Verdict,
} from '../../shared/contract/hardware';
import { backendDefinition, isDockerBackend } from '../backends';
import { VLLM_GPU_MEMORY_UTILIZATION } from '../backends/vllm-common';
import { fmtBytes, fmtInt, fmtSize, GIB } from '../../shared/format';

/** Kept free for the OS and the desktop when judging RAM. */
export const SYSTEM_RESERVE_BYTES = GIB;
export { VLLM_GPU_MEMORY_UTILIZATION };
export const runsInDocker = isDockerBackend;

/** The facts of a profile the estimates depend on. */
export interface MachineView {
  platform: string;
  arch: string;
  avx512: boolean;
  ramTotal: number;
  ramAvailable: number;
  docker: DockerProbeResult;
  /** The NVIDIA GPU with a working driver and the most VRAM, if any. */
  cudaGpu: GpuInfo | null;
  cudaGpuCount: number;
  /** An NVIDIA adapter is present but nvidia-smi could not read it. */
  nvidiaWithoutDriver: boolean;
  nvidiaHint?: string;
  disks: HardwareProfile['disks'];
}

export function machineView(p: HardwareProfile): MachineView {
  const cuda = p.gpus.filter((g) => g.vendor === 'nvidia' && g.api === 'cuda' && g.vramTotalBytes !== null);
  cuda.sort((a, b) => (b.vramTotalBytes ?? 0) - (a.vramTotalBytes ?? 0) || a.index - b.index);
  const smi = p.gpuTools.find((t) => t.tool === 'nvidia-smi');
  return {
    platform: p.os.platform,
    arch: p.os.arch,
    avx512: p.cpu.flags.avx512,
    ramTotal: p.memory.totalBytes,
    ramAvailable: p.memory.availableBytes,
    docker: p.docker,
    cudaGpu: cuda[0] ?? null,
    cudaGpuCount: cuda.length,
    nvidiaWithoutDriver: cuda.length === 0 && (p.gpus.some((g) => g.vendor === 'nvidia') || smi?.state === 'unknown'),
    nvidiaHint: smi?.state === 'unknown' ? smi.hint : undefined,
    disks: p.disks,
  };
}

export interface RowInput {
  backend: Backend;
  model: CatalogModel;
  form: ModelForm;
  context: number;
  parallel: number;
  /** Backend options of the deployment being judged (e.g. a quantised KV cache); absent = the form's defaults. */
  options?: Pick<DeploymentConfig, 'llamaCpp'>;
}

export interface Evaluation {
  verdict: Verdict;
  reason: string;
  hint?: string;
  estimate: Estimate;
  notes: string[];
}

/** Bytes per KV element: the form's, unless the deployment quantises its KV cache. */
export function kvBytesPerElement(input: Pick<RowInput, 'backend' | 'form' | 'options'>): number {
  return backendDefinition(input.backend).planner.kvBytesPerElement?.(input.options ?? {}) ?? input.form.kvBytesPerElement;
}

/** 2 (K and V) x layers x KV heads x head dim x bytes per element. */
export function kvBytesPerToken(model: CatalogModel, form: ModelForm, bytesPerElement = form.kvBytesPerElement): number {
  const a = model.architecture;
  return 2 * a.layers * a.kvHeads * a.headDim * bytesPerElement;
}

const KV_DTYPE: Record<number, string> = { 4: 'fp32', 2: 'fp16', [34 / 32]: 'q8_0' };

/** The terms of the memory a deployment needs, each with a formula a person can redo. */
export function estimateTerms(catalog: Catalog, input: RowInput): EstimateTerm[] {
  const { backend, model, form, context, parallel } = input;
  const a = model.architecture;
  const rt = catalog.runtimes[backend];
  const perElement = kvBytesPerElement(input);
  const kv = kvBytesPerToken(model, form, perElement) * context * parallel;
  const seqWord = backendDefinition(backend).planner.sequencesWord ?? (parallel === 1 ? 'sequence' : 'sequences');
  const logitsTokens = rt.logitsTokens === 'parallel' ? parallel : rt.logitsTokens;
  const logits = logitsTokens * a.vocabSize * 4;
  return [
    {
      key: 'weights',
      label: `Weights (${form.precision})`,
      bytes: form.weightsBytes,
      formula: `${fmtInt(form.weightsBytes)} B = ${fmtBytes(form.weightsBytes)}: ${form.weightsSource}`,
    },
    {
      key: 'kv-cache',
      label: `KV cache (${KV_DTYPE[perElement] ?? `${perElement} B per element`})`,
      bytes: kv,
      formula: `2 (K and V) × ${a.layers} layers × ${a.kvHeads} KV heads × ${a.headDim} head dim × ${perElement} B × ${fmtInt(context)} tokens × ${parallel} ${seqWord} = ${fmtInt(kv)} B = ${fmtBytes(kv)}`,
    },
    { key: 'runtime', label: 'Runtime overhead', bytes: rt.runtimeBytes, formula: `fixed ${fmtInt(rt.runtimeBytes)} B = ${fmtBytes(rt.runtimeBytes)}: ${rt.runtimeNote}` },
    {
      key: 'logits',
      label: 'Logits buffer',
      bytes: logits,
      formula: `${fmtInt(logitsTokens)} tokens × ${fmtInt(a.vocabSize)} vocabulary × 4 B = ${fmtBytes(logits)}: ${rt.logitsNote}`,
    },
  ];
}

function unavailable(input: RowInput, m: MachineView): { reason: string; hint?: string } | null {
  const { backend, form } = input;
  const planner = backendDefinition(backend).planner;
  if (form.unavailableReason) return { reason: `${form.unavailableReason}.` };
  if (runsInDocker(backend) && !m.docker.reachable) {
    return { reason: `Docker is not reachable: ${m.docker.reason ?? 'no answer'}`, hint: m.docker.hint };
  }
  // The engine runs ONNX Runtime's CPU provider: the app installs no CUDA provider (.npmrc) and its image has none.
  if (form.format === 'onnx' && form.device === 'gpu') {
    return {
      reason: "SLM Deck's ONNX engine runs on the CPU; this GPU build needs ONNX Runtime's CUDA provider, which the app does not install.",
      hint: 'On an NVIDIA GPU run vLLM or Ollama; on the CPU use the cpu-int4 build.',
    };
  }
  const needsCuda = planner.needsCuda || form.device === 'gpu';
  if (needsCuda) {
    if (!m.cudaGpu) {
      return m.nvidiaWithoutDriver
        ? { reason: 'An NVIDIA GPU may be present, but its driver does not answer, so CUDA cannot be used.', hint: m.nvidiaHint ?? 'Install the NVIDIA driver, then refresh.' }
        : { reason: 'Needs an NVIDIA GPU with CUDA, and none was found.' };
    }
    if (runsInDocker(backend) && !m.docker.gpuPassthrough) {
      return {
        reason: 'Docker cannot give containers the GPU: it lists no NVIDIA runtime and no CDI device.',
        hint: 'Install the NVIDIA Container Toolkit, run `sudo nvidia-ctk runtime configure --runtime=docker` and restart Docker.',
      };
    }
  }
  return planner.unavailable?.(input, m) ?? null;
}

/** Where the model lives while it runs on this machine with this backend. */
export function placement(input: RowInput, m: MachineView): 'ram' | 'vram' {
  if (input.form.device === 'gpu') return 'vram';
  return backendDefinition(input.backend).planner.placement(input, m);
}

function diskFor(backend: Backend, m: MachineView): DiskSpace | null {
  // Servers that download their model keep it in Docker volumes; the engines read SLM Deck's model store.
  return backendDefinition(backend).planner.storage === 'docker-data' ? m.disks.dockerData ?? m.disks.models : m.disks.models;
}

/** Judges one (backend, form, context, parallel) on this machine. */
export function evaluate(catalog: Catalog, input: RowInput, m: MachineView): Evaluation {
  const terms = estimateTerms(catalog, input);
  const total = terms.reduce((s, t) => s + t.bytes, 0);
  const where = placement(input, m);
  const notes = rowNotes(input, m, where);
  const blocked = unavailable(input, m);
  const base = { memory: where, terms, totalBytes: total } as const;
  if (blocked) {
    return { verdict: 'unavailable', reason: blocked.reason, hint: blocked.hint, notes, estimate: { ...base, budgetBytes: null, budgetLabel: 'not applicable', checks: [] } };
  }

  const judged =
    backendDefinition(input.backend).planner.budget === 'vllm-reservation' ? judgeVllmGpu(input, m, terms) : where === 'vram' ? judgeVram(input, m, total) : judgeRam(input, m, total);

  const disk = diskFor(input.backend, m);
  const diskOk = disk?.freeBytes == null ? null : input.form.weightsBytes <= disk.freeBytes - GIB;
  judged.checks.push({
    label: 'Disk space for the weights',
    ok: diskOk,
    detail:
      disk?.freeBytes == null
        ? `Free space at ${disk?.path ?? 'the model store'} is unknown; the weights take ${fmtSize(input.form.weightsBytes)}.`
        : `${fmtSize(input.form.weightsBytes)} of weights, ${fmtSize(disk.freeBytes)} free at ${disk.path} (1 GiB kept free).`,
  });
  if (diskOk === false) {
    return {
      verdict: 'wont-fit',
      reason: `The weights need ${fmtSize(input.form.weightsBytes)} of disk, but only ${fmtSize(disk!.freeBytes!)} is free at ${disk!.path}.`,
      hint: 'Free some disk space (e.g. `docker system prune` for unused images), then refresh.',
      notes,
      estimate: { ...base, budgetBytes: judged.budgetBytes, budgetLabel: judged.budgetLabel, checks: judged.checks },
    };
  }
  return {
    verdict: judged.verdict,
    reason: judged.reason,
    hint: judged.hint,
    notes,
    estimate: { ...base, budgetBytes: judged.budgetBytes, budgetLabel: judged.budgetLabel, checks: judged.checks },
  };
}

interface Judged {
  verdict: Exclude<Verdict, 'unavailable'>;
  reason: string;
  hint?: string;
  budgetBytes: number | null;
  budgetLabel: string;
  checks: Estimate['checks'];
}

function judgeRam(input: RowInput, m: MachineView, total: number): Judged {
  const dockerVm = runsInDocker(input.backend) && m.docker.memTotalBytes !== undefined && m.docker.memTotalBytes < m.ramTotal;
  const ceiling = dockerVm ? m.docker.memTotalBytes! : m.ramTotal;
  const usable = ceiling - SYSTEM_RESERVE_BYTES;
  const freeNow = Math.min(m.ramAvailable - SYSTEM_RESERVE_BYTES, usable);
  const ceilingWords = dockerVm ? `Docker's ${fmtBytes(ceiling)} memory limit` : `${fmtBytes(ceiling)} of RAM`;
  const checks: Estimate['checks'] = [
    {
      label: 'Free memory now',
      ok: total <= freeNow,
      detail: `${fmtBytes(total)} needed; ${fmtBytes(m.ramAvailable)} available − 1 GiB kept for the system = ${fmtBytes(freeNow)}.`,
    },
    { label: 'Total memory', ok: total <= usable, detail: `${fmtBytes(total)} needed; ${ceilingWords} − 1 GiB kept for the system = ${fmtBytes(usable)}.` },
  ];
  const common = { budgetBytes: freeNow, budgetLabel: 'RAM available now, minus 1 GiB kept for the system', checks };
  if (total <= freeNow) return { ...common, verdict: 'fits', reason: `Needs ${fmtBytes(total)} of RAM and ${fmtBytes(freeNow)} is free.` };
  if (total <= usable) {
    return {
      ...common,
      verdict: 'tight',
      reason: `Needs ${fmtBytes(total)} of RAM: it fits in ${ceilingWords}, but only ${fmtBytes(freeNow)} is free right now.`,
      hint: 'Close other programs (or stop other models) before starting it.',
    };
  }
  return {
    ...common,
    verdict: 'wont-fit',
    reason: `Needs ${fmtBytes(total)} of RAM, more than the ${fmtBytes(usable)} usable here (${ceilingWords} − 1 GiB for the system).`,
    hint: dockerVm ? "Raise Docker Desktop's memory (Settings → Resources), or choose a shorter context or a smaller form." : 'Choose a shorter context, fewer parallel requests or a smaller form.',
  };
}

function judgeVram(input: RowInput, m: MachineView, total: number): Judged {
  const gpu = m.cudaGpu!;
  const vram = gpu.vramTotalBytes!;
  const free = gpu.vramFreeBytes ?? vram;
  const gpuName = `GPU ${gpu.index} (${gpu.name})`;
  const checks: Estimate['checks'] = [
    { label: 'Free VRAM now', ok: total <= free, detail: `${fmtBytes(total)} needed; ${fmtBytes(free)} free on ${gpuName}.` },
    { label: 'Total VRAM', ok: total <= vram, detail: `${fmtBytes(total)} needed; ${fmtBytes(vram)} on ${gpuName}.` },
  ];
  const common = { budgetBytes: free, budgetLabel: `free VRAM on ${gpuName}`, checks };
  if (total <= free) return { ...common, verdict: 'fits', reason: `Needs ${fmtBytes(total)} of VRAM and ${fmtBytes(free)} is free on ${gpuName}.` };
  if (total <= vram) {
    return {
      ...common,
      verdict: 'tight',
      reason: `Needs ${fmtBytes(total)} of VRAM: ${gpuName} has ${fmtBytes(vram)}, but other programs use ${fmtBytes(vram - free)} right now.`,
      hint: 'Stop other GPU programs (see `nvidia-smi`) before starting it.',
    };
  }
  const ramUsable = m.ramTotal - SYSTEM_RESERVE_BYTES;
  if (backendDefinition(input.backend).planner.spillsToRam && total - free <= ramUsable) {
    const onGpu = Math.max(0, Math.min(1, (free - (total - input.form.weightsBytes)) / input.form.weightsBytes));
    return {
      ...common,
      verdict: 'tight',
      reason: `Needs ${fmtBytes(total)}, more than the ${fmtBytes(free)} of free VRAM: ${backendDefinition(input.backend).info.label.replace(/ \(.*\)$/, '')} would keep about ${Math.round((1 - onGpu) * 100)} % of the layers on the CPU, which is much slower.`,
      hint: 'Choose a smaller form (q4_K_M) or a shorter context to keep it all on the GPU.',
    };
  }
  return { ...common, verdict: 'wont-fit', reason: `Needs ${fmtBytes(total)} of VRAM, more than the ${fmtBytes(vram)} on ${gpuName}.`, hint: 'Choose a smaller form or a shorter context.' };
}

/**
 * vLLM reserves gpu_memory_utilization x VRAM at start, loads the weights, measures its
 * activation peak and turns the rest into KV cache; it refuses to start when that rest cannot
 * hold one max_model_len sequence. That is the classic failure on 8-12 GB cards.
 */
function judgeVllmGpu(input: RowInput, m: MachineView, terms: EstimateTerm[]): Judged {
  const gpu = m.cudaGpu!;
  const vram = gpu.vramTotalBytes!;
  const util = VLLM_GPU_MEMORY_UTILIZATION;
  const reservation = util * vram;
  const bytes = (k: EstimateTerm['key']) => terms.find((t) => t.key === k)!.bytes;
  const fixed = bytes('weights') + bytes('runtime') + bytes('logits');
  const kvSpace = reservation - fixed;
  const kvAll = bytes('kv-cache');
  const kvOne = kvAll / input.parallel;
  const free = gpu.vramFreeBytes;
  const seqsThatFit = kvSpace > 0 ? Math.floor(kvSpace / kvOne) : 0;
  const ctx = fmtInt(input.context);
  const checks: Estimate['checks'] = [
    {
      label: 'vLLM reservation',
      ok: null,
      detail: `--gpu-memory-utilization ${util} × ${fmtBytes(vram)} VRAM = ${fmtBytes(reservation)}, taken in full at start (the KV cache fills what the weights leave).`,
    },
    {
      label: 'Start-up free-memory check',
      ok: free === null ? null : free >= reservation,
      detail:
        free === null
          ? 'Free VRAM is unknown; vLLM refuses to start when less than the reservation is free.'
          : `vLLM refuses to start unless ${fmtBytes(reservation)} is free; ${fmtBytes(free)} is free now.`,
    },
    {
      label: 'Weights and runtime fit the reservation',
      ok: fixed <= reservation,
      detail: `weights ${fmtBytes(bytes('weights'))} + runtime ${fmtBytes(bytes('runtime'))} + logits ${fmtBytes(bytes('logits'))} = ${fmtBytes(fixed)} of ${fmtBytes(reservation)}; KV space left = ${fmtBytes(kvSpace)}.`,
    },
    {
      label: 'KV cache for one max_model_len sequence',
      ok: kvOne <= kvSpace,
      detail: `${ctx} tokens × ${fmtBytes(kvOne / input.context)} per token = ${fmtBytes(kvOne)}, KV space ${fmtBytes(kvSpace)}.`,
    },
    {
      label: `KV cache for ${input.parallel} full-length sequences`,
      ok: kvAll <= kvSpace,
      detail: `${input.parallel} × ${fmtBytes(kvOne)} = ${fmtBytes(kvAll)}; the KV space holds ${seqsThatFit} full ${ctx}-token sequence${seqsThatFit === 1 ? '' : 's'}.`,
    },
  ];
  const common = { budgetBytes: reservation, budgetLabel: `vLLM's reservation: ${util} × ${fmtBytes(vram)} VRAM`, checks };
  if (fixed > reservation) {
    return {
      ...common,
      verdict: 'wont-fit',
      reason: `The weights and runtime (${fmtBytes(fixed)}) do not fit in vLLM's ${fmtBytes(reservation)} reservation (${util} × ${fmtBytes(vram)}).`,
      hint: 'Use a smaller form (Ollama q4_K_M) or a GPU with more VRAM.',
    };
  }
  if (kvOne > kvSpace) {
    return {
      ...common,
      verdict: 'wont-fit',
      reason: `vLLM would stop at start-up: one ${ctx}-token sequence needs ${fmtBytes(kvOne)} of KV cache, but only ${fmtBytes(kvSpace)} is left after weights and runtime.`,
      hint: `Lower the context (max_model_len) to ${fmtInt(Math.max(0, Math.floor(kvSpace / (kvOne / input.context) / 256) * 256))} or less, or use Ollama.`,
    };
  }
  if (free !== null && free < reservation) {
    return {
      ...common,
      verdict: 'tight',
      reason: `Fits, but other programs use ${fmtBytes(vram - free)} of VRAM and vLLM refuses to start until ${fmtBytes(reservation)} is free.`,
      hint: 'Stop other GPU programs (see `nvidia-smi`) before starting vLLM.',
    };
  }
  if (kvAll > kvSpace) {
    return {
      ...common,
      verdict: 'tight',
      reason: `Starts, but its ${fmtBytes(kvSpace)} of KV space holds only ${seqsThatFit} full ${ctx}-token sequence${seqsThatFit === 1 ? '' : 's'} at once, not ${input.parallel}; vLLM queues the rest.`,
    };
  }
  return {
    ...common,
    verdict: 'fits',
    reason: `Fits: after the weights, vLLM's ${fmtBytes(reservation)} reservation leaves ${fmtBytes(kvSpace)} of KV space, room for ${seqsThatFit} full ${ctx}-token sequences.`,
  };
}

function rowNotes(input: RowInput, m: MachineView, where: 'ram' | 'vram'): string[] {
  const notes: string[] = [];
  if (input.form.note) notes.push(input.form.note);
  notes.push(...(backendDefinition(input.backend).planner.notes?.(input, m, where) ?? []));
  if (runsInDocker(input.backend) && m.platform === 'darwin') notes.push('Docker on macOS cannot use the Apple GPU: this runs on the CPU inside Docker’s VM.');
  if (where === 'vram' && m.cudaGpuCount > 1) notes.push(`Estimated for GPU ${m.cudaGpu!.index} alone (the largest); SLM Deck does not split a model across GPUs.`);
  return notes;
}
