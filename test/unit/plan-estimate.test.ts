import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../electron/shared/contract/deploy-config';
import type { Verdict } from '../../electron/shared/contract/hardware';
import { bundledCatalog, findModel } from '../../electron/core/hardware/catalog';
import { evaluate, estimateTerms, kvBytesPerToken, machineView } from '../../electron/core/hardware/estimate';
import { fitRow, largestContext } from '../../electron/core/hardware/plan';
import { dockerUp, GIB, makeProfile, MIB, nvidiaGpu } from '../fixtures/hardware/profiles';

const catalog = bundledCatalog();
const phi = findModel(catalog, 'phi-4-mini-instruct');
const form = (id: string) => phi.forms.find((f) => f.id === id)!;
const input = (backend: Backend, formId: string, context: number, parallel = 1) => ({ backend, model: phi, form: form(formId), context, parallel });
const term = (terms: ReturnType<typeof estimateTerms>, key: string) => terms.find((t) => t.key === key)!.bytes;

// Phi-4-mini, from its config.json (DESIGN.md section 1).
const LAYERS = 32;
const KV_HEADS = 8;
const HEAD_DIM = 128;
const VOCAB = 200_064;

describe('KV cache and terms, computed by hand', () => {
  it('fp16 KV is 128 KiB per token: 512 MiB at 4K, 4 GiB at 32K, 16 GiB at 128K', () => {
    const perToken = 2 * LAYERS * KV_HEADS * HEAD_DIM * 2;
    expect(perToken).toBe(131_072);
    expect(kvBytesPerToken(phi, form('ollama-q4_K_M'))).toBe(perToken);
    expect(term(estimateTerms(catalog, input('ollama', 'ollama-q4_K_M', 4096)), 'kv-cache')).toBe(512 * MIB);
    expect(term(estimateTerms(catalog, input('ollama', 'ollama-q4_K_M', 32_768)), 'kv-cache')).toBe(4 * GIB);
    expect(term(estimateTerms(catalog, input('ollama', 'ollama-q4_K_M', 131_072)), 'kv-cache')).toBe(16 * GIB);
    // The ONNX CPU build keeps float32 KV: twice as much.
    expect(kvBytesPerToken(phi, form('onnx-cpu-int4'))).toBe(2 * perToken);
  });

  it.each([
    // [parallel, KV bytes] for Ollama q4_K_M at 4096 tokens: KV x OLLAMA_NUM_PARALLEL.
    [1, 2 * LAYERS * KV_HEADS * HEAD_DIM * 2 * 4096 * 1],
    [4, 2 * LAYERS * KV_HEADS * HEAD_DIM * 2 * 4096 * 4],
  ])('Ollama phi4-mini q4_K_M at 4096 tokens, %i parallel', (parallel, kv) => {
    const terms = estimateTerms(catalog, input('ollama', 'ollama-q4_K_M', 4096, parallel));
    const weights = 2_500_000_000; // ollama.com: 2.5GB
    // Ollama llm/memory.go: graph = GQA (24 / 8 heads) × kv / 6 (no GraphSize case for phi3), + one layer (weights / 32) + the server.
    const runtime = Math.floor((3 * kv) / 6) + Math.ceil(weights / LAYERS) + 0.5 * GIB;
    const logits = 512 * VOCAB * 4; // one 512-token batch of float32 logits
    expect(terms.map((t) => [t.key, t.bytes])).toEqual([
      ['weights', weights],
      ['kv-cache', kv],
      ['runtime', runtime],
      ['logits', logits],
    ]);
    const total = weights + kv + runtime + logits;
    expect(total).toBe(parallel === 1 ? 4_330_033_352 : 6_745_952_456);
    expect(terms[2].formula).toContain('GQA 3 (24 heads / 8 KV heads)');
    expect(evaluate(catalog, input('ollama', 'ollama-q4_K_M', 4096, parallel), machineView(makeProfile())).estimate.totalBytes).toBe(total);
    // Every formula shows its numbers.
    expect(terms[1].formula).toContain(`2 (K and V) × 32 layers × 8 KV heads × 128 head dim × 2 B × 4,096 tokens × ${parallel} parallel requests`);
  });

  it('ONNX cpu-int4 at 4096 tokens', () => {
    const e = evaluate(catalog, input('onnx-engine', 'onnx-cpu-int4', 4096), machineView(makeProfile()));
    expect(e.estimate.totalBytes).toBe(4_860_000_000 + 2 * LAYERS * KV_HEADS * HEAD_DIM * 4 * 4096 + 0.5 * GIB + 512 * VOCAB * 4);
  });
});

describe('vLLM on the GPU: reservation = 0.8 x VRAM, and the KV for max_model_len must fit what the weights leave', () => {
  const weights = 7_672_000_000; // bf16: 3.836 B parameters x 2 B
  const runtime = 1.5 * GIB;
  const logits = (parallel: number) => parallel * VOCAB * 4;
  const kvPerToken = 131_072;

  const cases: Array<{ vramGiB: number; context: number; parallel: number; verdict: Verdict; why: RegExp }> = [
    { vramGiB: 8, context: 8192, parallel: 1, verdict: 'wont-fit', why: /weights and runtime .* do not fit/ },
    { vramGiB: 12, context: 8192, parallel: 1, verdict: 'wont-fit', why: /vLLM would stop at start-up/ },
    { vramGiB: 12, context: 4096, parallel: 1, verdict: 'fits', why: /Fits/ },
    { vramGiB: 16, context: 8192, parallel: 8, verdict: 'tight', why: /holds only 4 full 8,192-token sequences/ },
    { vramGiB: 24, context: 8192, parallel: 1, verdict: 'fits', why: /room for 10 full 8,192-token sequences/ },
    { vramGiB: 24, context: 8192, parallel: 4, verdict: 'fits', why: /room for 10 full/ },
  ];

  it.each(cases)('$vramGiB GiB, max_model_len $context, $parallel seqs: $verdict', ({ vramGiB, context, parallel, verdict, why }) => {
    const reservation = 0.8 * vramGiB * GIB;
    const kvSpace = reservation - weights - runtime - logits(parallel);
    // The hand computation, independent of the code under test:
    const expected: Verdict =
      weights + runtime + logits(parallel) > reservation ? 'wont-fit' : kvPerToken * context > kvSpace ? 'wont-fit' : kvPerToken * context * parallel > kvSpace ? 'tight' : 'fits';
    expect(expected).toBe(verdict);

    const m = machineView(makeProfile({ gpus: [nvidiaGpu({ vramMiB: vramGiB * 1024 })], docker: dockerUp({ gpuPassthrough: true, nvidiaRuntime: true }) }));
    const e = evaluate(catalog, input('vllm-gpu', 'vllm-bf16', context, parallel), m);
    expect(e.verdict).toBe(verdict);
    expect(e.reason).toMatch(why);
    expect(e.estimate.budgetBytes).toBeCloseTo(reservation, 0);
    expect(e.estimate.memory).toBe('vram');
  });

  it('on 12 GiB the largest max_model_len is the KV space over 128 KiB, rounded down to 256', () => {
    const kvSpace = 0.8 * 12 * GIB - weights - runtime - logits(1); // 1,024,508,518.4 B
    const byHand = Math.floor(kvSpace / kvPerToken / 256) * 256;
    expect(byHand).toBe(7680);
    const m = machineView(makeProfile({ gpus: [nvidiaGpu({ vramMiB: 12 * 1024 })], docker: dockerUp({ gpuPassthrough: true }) }));
    expect(fitRow(catalog, input('vllm-gpu', 'vllm-bf16', 8192), m).maxContext).toEqual({ fits: 7680, tight: 7680 });
  });

  it('other programs holding VRAM trip the start-up free-memory check', () => {
    const m = machineView(makeProfile({ gpus: [nvidiaGpu({ vramMiB: 24 * 1024, usedMiB: 6 * 1024 })], docker: dockerUp({ gpuPassthrough: true }) }));
    const e = evaluate(catalog, input('vllm-gpu', 'vllm-bf16', 8192), m);
    expect(e.verdict).toBe('tight');
    expect(e.reason).toContain('vLLM refuses to start until 19.20 GiB is free');
  });
});

describe('RAM verdicts keep 1 GiB for the system', () => {
  // 16 GiB machine with 12 GiB available now.
  const m = machineView(makeProfile({ ramGiB: 16, availableGiB: 12 }));
  it.each([
    // vLLM CPU at 32K: 7.672 GB + 4 GiB KV + 1.5 GiB + 1 x vocab x 4 B = 13,578,380,288 B: more than the 11 GiB free, less than the 15 GiB usable.
    ['vllm-cpu', 'vllm-bf16', 32_768, 13_578_380_288, 'tight'],
    // Ollama fp16 at 64K: 7.7 GB + 8 GiB KV + (graph 3 × 8 GiB / 6 + one layer 7.7 GB / 32 + 0.5 GiB) + logits: more than 15 GiB usable.
    ['ollama', 'ollama-fp16', 65_536, 7_700_000_000 + 8 * GIB + (4 * GIB + 240_625_000 + 0.5 * GIB) + 512 * VOCAB * 4, 'wont-fit'],
    ['ollama', 'ollama-q4_K_M', 4096, 4_330_033_352, 'fits'],
  ] as const)('%s %s at %i tokens needs %i B: %s', (backend, formId, ctx, total, verdict) => {
    const e = evaluate(catalog, input(backend, formId, ctx), m);
    expect(e.estimate.totalBytes).toBe(total);
    expect(e.verdict).toBe(verdict);
    expect(e.estimate.budgetBytes).toBe(11 * GIB);
  });

  it("Docker Desktop's VM memory is the ceiling for containers, not the host's RAM", () => {
    const vm = machineView(makeProfile({ ramGiB: 32, availableGiB: 28, docker: dockerUp({ memTotalBytes: 8 * GIB, operatingSystem: 'Docker Desktop' }) }));
    const e = evaluate(catalog, input('ollama', 'ollama-fp16', 4096), vm);
    expect(e.verdict).toBe('wont-fit');
    expect(e.reason).toContain("Docker's 8.00 GiB memory limit");
    expect(e.hint).toMatch(/Docker Desktop's memory/);
    // The embedded engine is not in the VM.
    expect(evaluate(catalog, input('embedded', 'onnx-cpu-int4', 4096), vm).verdict).toBe('fits');
  });
});

describe('availability comes before memory', () => {
  it('no Docker: every containerised backend is unavailable with Docker’s own hint; the embedded engine is not', () => {
    const m = machineView(makeProfile({ docker: { reachable: false, endpoint: 'unix:///var/run/docker.sock', reason: 'Docker is not running.', hint: 'Start Docker.', nvidiaRuntime: false, cdiDevices: [], gpuPassthrough: false } }));
    for (const [b, f] of [['ollama', 'ollama-q4_K_M'], ['vllm-cpu', 'vllm-bf16'], ['onnx-engine', 'onnx-cpu-int4']] as const) {
      const e = evaluate(catalog, input(b, f, 4096), m);
      expect(e).toMatchObject({ verdict: 'unavailable', hint: 'Start Docker.' });
      expect(e.reason).toContain('Docker is not reachable: Docker is not running.');
    }
    expect(evaluate(catalog, input('embedded', 'onnx-cpu-int4', 4096), m).verdict).toBe('fits');
  });

  it('a GPU that Docker cannot pass through rules out vLLM GPU and tells how to fix it', () => {
    const m = machineView(makeProfile({ gpus: [nvidiaGpu({ vramMiB: 24 * 1024 })] }));
    const e = evaluate(catalog, input('vllm-gpu', 'vllm-bf16', 8192), m);
    expect(e.verdict).toBe('unavailable');
    expect(e.hint).toContain('nvidia-ctk runtime configure');
    // Ollama then runs on the CPU, and says so.
    const o = evaluate(catalog, input('ollama', 'ollama-q4_K_M', 4096), m);
    expect(o.estimate.memory).toBe('ram');
    expect(o.notes).toContain('Runs on the CPU: Docker cannot pass the GPU through.');
  });

  it('AWQ is only offered with an AWQ checkpoint; old GPUs cannot run vLLM', () => {
    const m = machineView(makeProfile({ gpus: [nvidiaGpu({ vramMiB: 24 * 1024, cc: '6.1' })], docker: dockerUp({ gpuPassthrough: true }) }));
    expect(evaluate(catalog, input('vllm-gpu', 'vllm-awq', 4096), m).reason).toContain('Cannot find the config file for awq');
    expect(evaluate(catalog, input('vllm-gpu', 'vllm-bf16', 4096), m).reason).toContain('compute capability 7.0 or newer');
  });

  it('too little disk for the weights is a Won’t fit with the numbers', () => {
    const m = machineView(makeProfile({ freeDiskBytes: 3e9 }));
    const e = evaluate(catalog, input('ollama', 'ollama-q8_0', 4096), m);
    expect(e.verdict).toBe('wont-fit');
    expect(e.reason).toBe('The weights need 4.1 GB of disk, but only 3 GB is free at /var/lib/docker.');
  });

  it('Ollama on a small GPU spills layers to the CPU: Tight, not Won’t fit', () => {
    const m = machineView(makeProfile({ gpus: [nvidiaGpu({ vramMiB: 4096 })], docker: dockerUp({ gpuPassthrough: true }) }));
    const e = evaluate(catalog, input('ollama', 'ollama-q8_0', 4096), m);
    expect(e.estimate.memory).toBe('vram');
    expect(e.verdict).toBe('tight');
    expect(e.reason).toMatch(/keep about \d+ % of the layers on the CPU/);
  });
});

const RANK: Record<Verdict, number> = { fits: 0, tight: 1, 'wont-fit': 2, unavailable: 3 };

describe('properties', () => {
  const profiles = fc.record({
    ramGiB: fc.integer({ min: 2, max: 256 }),
    freeShare: fc.double({ min: 0.05, max: 1, noNaN: true }),
    vramMiB: fc.option(fc.integer({ min: 2048, max: 98_304 }), { nil: undefined }),
    usedShare: fc.double({ min: 0, max: 0.9, noNaN: true }),
    passthrough: fc.boolean(),
  });
  const rows = phi.forms.flatMap((f) => f.backends.map((b) => ({ backend: b, form: f })));
  const pick = fc.integer({ min: 0, max: rows.length - 1 });
  const ctx = fc.integer({ min: 1, max: 512 }).map((n) => n * 256);

  type P = { ramGiB: number; freeShare: number; vramMiB?: number; usedShare: number; passthrough: boolean };
  const machineOf = (p: P) =>
    machineView(
      makeProfile({
        ramGiB: p.ramGiB,
        availableGiB: p.ramGiB * p.freeShare,
        gpus: p.vramMiB ? [nvidiaGpu({ vramMiB: p.vramMiB, usedMiB: Math.floor(p.vramMiB * p.usedShare) })] : [],
        docker: dockerUp({ gpuPassthrough: p.passthrough }),
      }),
    );

  it('more context or more parallel requests never needs less memory, and never gets a better verdict', () => {
    fc.assert(
      fc.property(profiles, pick, ctx, ctx, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 8 }), (p, i, c1, c2, par, extra) => {
        const m = machineOf(p);
        const { backend, form: f } = rows[i];
        const [lo, hi] = c1 <= c2 ? [c1, c2] : [c2, c1];
        const a = evaluate(catalog, { backend, model: phi, form: f, context: lo, parallel: par }, m);
        const b = evaluate(catalog, { backend, model: phi, form: f, context: hi, parallel: par + extra }, m);
        expect(b.estimate.totalBytes).toBeGreaterThanOrEqual(a.estimate.totalBytes);
        expect(RANK[b.verdict]).toBeGreaterThanOrEqual(RANK[a.verdict]);
      }),
      { numRuns: 400 },
    );
  });

  it('the largest context that fits does fit, and 256 tokens more does not', () => {
    fc.assert(
      fc.property(profiles, pick, fc.integer({ min: 1, max: 4 }), (p, i, par) => {
        const m = machineOf(p);
        const { backend, form: f } = rows[i];
        const base = { backend, model: phi, form: f, parallel: par };
        const max = largestContext(catalog, base, m, (v) => v === 'fits');
        if (max === null) {
          expect(evaluate(catalog, { ...base, context: 256 }, m).verdict).not.toBe('fits');
          return;
        }
        expect(evaluate(catalog, { ...base, context: max }, m).verdict).toBe('fits');
        if (max < phi.architecture.maxContext) expect(evaluate(catalog, { ...base, context: max + 256 }, m).verdict).not.toBe('fits');
      }),
      { numRuns: 200 },
    );
  });
});
