import type { Command } from 'commander';
import type { DeploymentConfig } from '../../shared/contract/deploy-config';
import { backendLabel } from '../../core/backends';
import type { FitRow, HardwareProfile, Plan } from '../../shared/contract/hardware';
import { DeckError } from '../../shared/errors';
import { fmtBytes, fmtInt, fmtSize } from '../../shared/format';
import { verb } from '../context';
import { print, table } from '../output';

const VERDICT: Record<FitRow['verdict'], string> = { fits: 'Fits', tight: 'Tight', 'wont-fit': "Won't fit", unavailable: 'Not available' };

/** "8192", "8k", "32K" -> tokens. */
export function parseContext(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(k)?$/i.exec(v.trim());
  const n = m ? Math.round(Number(m[1]) * (m[2] ? 1024 : 1)) : NaN;
  if (!Number.isInteger(n) || n < 256) {
    throw new DeckError('invalid_input', `Invalid context "${v}".`, 'Give a number of tokens of at least 256, e.g. 4096 or 8k.');
  }
  return n;
}

function parseParallel(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new DeckError('invalid_input', `Invalid --parallel "${v}".`, 'Give a whole number from 1 to 64.');
  return n;
}

const indent = (s: string, by = '  ') => s.split('\n').map((l) => by + l).join('\n');

export function formatProfile(p: HardwareProfile): string {
  const out: string[] = [];
  const f = p.cpu.flags;
  const flags = Object.entries({ AVX2: f.avx2, 'AVX-512': f.avx512, 'AVX-512 BF16': f.avx512bf16, AMX: f.amx, NEON: f.neon })
    .filter(([, on]) => on)
    .map(([k]) => k);
  out.push(`System   ${p.os.distro} ${p.os.release} (${p.os.platform}, kernel ${p.os.kernel}, ${p.os.arch})`);
  out.push(
    `CPU      ${p.cpu.model}: ${p.cpu.physicalCores} cores / ${p.cpu.logicalCores} threads${p.cpu.speedGhz ? ` at ${p.cpu.speedGhz} GHz` : ''}; ${flags.join(', ') || 'no AVX2/AVX-512/NEON'}${
      p.cpu.loadPercent !== null ? `; ${p.cpu.loadPercent}% busy` : ''
    }`,
  );
  out.push(
    `Memory   ${fmtBytes(p.memory.totalBytes)} total, ${fmtBytes(p.memory.availableBytes)} available; swap ${
      p.memory.swapTotalBytes ? `${fmtBytes(p.memory.swapUsedBytes)} used of ${fmtBytes(p.memory.swapTotalBytes)}` : 'none'
    }`,
  );
  if (p.gpus.length === 0) out.push('GPU      none found');
  for (const g of p.gpus) {
    const vram = g.vramTotalBytes === null ? 'VRAM unknown' : `${fmtBytes(g.vramTotalBytes)} ${g.unifiedMemory ? 'unified' : 'VRAM'}${g.vramFreeBytes !== null ? ` (${fmtBytes(g.vramFreeBytes)} free)` : ''}`;
    const more = [
      g.driverVersion && `driver ${g.driverVersion}`,
      g.cudaVersion && `CUDA ${g.cudaVersion}`,
      g.computeCapability && `compute ${g.computeCapability}`,
      g.utilizationPercent !== null && `${g.utilizationPercent}% busy`,
      g.temperatureC !== null && `${g.temperatureC} °C`,
      g.powerDrawW !== null && `${g.powerDrawW} W${g.powerLimitW !== null ? ` of ${g.powerLimitW} W` : ''}`,
    ].filter(Boolean);
    out.push(`GPU ${g.index}    ${g.name}: ${vram}${more.length ? `; ${more.join(', ')}` : ''} [${g.source}]`);
  }
  for (const t of p.gpuTools) out.push(`  ${t.tool}: ${t.state} - ${t.message}${t.hint && t.state !== 'ok' ? `\n    hint: ${t.hint}` : ''}`);
  for (const d of [p.disks.models, p.disks.dockerData]) {
    if (!d) continue;
    out.push(`Disk     ${d.label}: ${d.freeBytes !== null ? `${fmtSize(d.freeBytes)} free of ${fmtSize(d.totalBytes ?? 0)}` : 'unknown'} at ${d.path}${d.hint ? `\n    hint: ${d.hint}` : ''}`);
  }
  const dk = p.docker;
  out.push(
    dk.reachable
      ? `Docker   ${dk.version} at ${dk.endpoint} (${dk.os ?? '?'}/${dk.arch ?? '?'}${dk.operatingSystem ? `, ${dk.operatingSystem}` : ''}); GPU passthrough: ${
          dk.gpuPassthrough ? `yes${dk.nvidiaRuntime ? ' (nvidia runtime)' : ''}${dk.cdiDevices.length ? ` (CDI: ${dk.cdiDevices.join(', ')})` : ''}` : 'no'
        }`
      : `Docker   not reachable at ${dk.endpoint}: ${dk.reason ?? ''}${dk.hint ? `\n    hint: ${dk.hint}` : ''}`,
  );
  const o = p.ollama;
  out.push(o.reachable ? `Ollama   ${o.version} at ${o.url}` : `Ollama   no native server at ${o.url}${o.hint ? `\n    hint: ${o.hint}` : ''}`);
  out.push(`(detected in ${p.durationMs} ms)`);
  return out.join('\n');
}

function formatConfig(c: DeploymentConfig): string {
  const rows: string[][] = [
    ['backend', `${c.backend} (${backendLabel(c.backend)})`],
    ['model', c.model],
    ['published on', `${c.bindHost}:${c.hostPort}`],
    ['context length', fmtInt(c.contextLength)],
    ['parallel', String(c.parallel)],
    ['GPUs', c.gpus.length ? c.gpus.join(', ') : 'none (CPU)'],
    ['memory limit', c.memoryLimitGb === null ? 'none' : `${c.memoryLimitGb} GiB`],
    ['CPU limit', c.cpus === null ? 'none' : String(c.cpus)],
    ['Open WebUI', c.openWebUi ? 'yes' : 'no'],
  ];
  for (const [k, v] of Object.entries(c.env)) rows.push([`env ${k}`, v]);
  if (c.vllm) for (const [k, v] of Object.entries(c.vllm)) rows.push([`vllm ${k}`, String(v)]);
  return table(rows);
}

function formatEstimate(row: FitRow): string {
  const e = row.estimate;
  const lines = table([
    ...e.terms.map((t) => [t.label, fmtBytes(t.bytes), t.formula]),
    ['Total', fmtBytes(e.totalBytes), ''],
    ...(e.budgetBytes !== null ? [['Compared with', fmtBytes(e.budgetBytes), e.budgetLabel]] : []),
  ]);
  const checks = e.checks.map((c) => `${c.ok === null ? '·' : c.ok ? '✓' : '✗'} ${c.label}: ${c.detail}`);
  return [lines, ...checks].join('\n');
}

export function formatPlan(plan: Plan): string {
  const r = plan.recommendation;
  const out: string[] = [];
  out.push(`Recommended for this machine (${r.tierLabel} tier):`);
  out.push(`  ${r.headline}`);
  out.push('', 'Why:');
  r.why.forEach((w, i) => out.push(`  ${i + 1}. ${w}`));
  out.push('', `Estimate, term by term (${r.row.estimate.memory === 'vram' ? 'GPU memory' : 'RAM'}; 1 GiB = 1,073,741,824 B):`);
  out.push(indent(formatEstimate(r.row)));
  out.push('', 'Deployment config (what Deploy would start):');
  out.push(indent(formatConfig(r.config)));
  out.push('', `Every backend and form at ${fmtInt(plan.context)} tokens × ${plan.parallel} sequence${plan.parallel === 1 ? '' : 's'}:`);
  out.push(
    indent(
      table([
        ['BACKEND', 'FORM', 'VERDICT', 'NEEDS', 'LARGEST CONTEXT THAT FITS'],
        ...plan.rows.map((x) => [
          x.backend,
          x.model.split('/')[1],
          VERDICT[x.verdict],
          fmtBytes(x.estimate.totalBytes),
          x.maxContext.fits !== null ? fmtInt(x.maxContext.fits) : x.maxContext.tight !== null ? `${fmtInt(x.maxContext.tight)} (tight)` : '-',
        ]),
      ]),
    ),
  );
  out.push('', 'Why each verdict:');
  for (const x of plan.rows) out.push(`  ${x.backend} ${x.model.split('/')[1]}: ${x.reason}${x.hint ? ` (${x.hint})` : ''}`);
  out.push('', 'Alternatives:');
  for (const a of r.alternatives) out.push(`  - ${a}`);
  out.push('', 'Measured on this machine:');
  for (const f of plan.facts) out.push(`  - ${f}`);
  out.push('', 'Run `slm-deck plan --context 8k --parallel 4` to plan for other sizes, `--json` for every term of every row.');
  return out.join('\n');
}

export function registerHardware(program: Command): void {
  program
    .command('hardware')
    .description('Show what SLM Deck detects on this machine: CPU, memory, GPUs, disk, Docker, Ollama')
    .option('--refresh', 'detect again instead of using the last few seconds’ result')
    .action(
      verb(async ({ call }, cmd, o: { refresh?: boolean }) => {
        print(cmd, await call('hardware.profile', o.refresh ? { refresh: true } : {}), formatProfile);
      }),
    );

  program
    .command('plan')
    .description('Recommend a deployment for this machine and explain every estimate term')
    .option('--model <id>', 'catalog model id (default: Phi-4-mini-instruct)')
    .option('--context <tokens>', 'context length, e.g. 4096 or 8k (default 4096; vLLM GPU plans default to 8k)')
    .option('--parallel <n>', 'concurrent full-length requests to budget for')
    .action(
      verb(async ({ call }, cmd, o: { model?: string; context?: string; parallel?: string }) => {
        const params = {
          ...(o.model ? { model: o.model } : {}),
          ...(o.context ? { context: parseContext(o.context) } : {}),
          ...(o.parallel ? { parallel: parseParallel(o.parallel) } : {}),
        };
        print(cmd, await call('hardware.plan', params), formatPlan);
      }),
    );
}
