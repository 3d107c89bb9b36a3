import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { GpuInfo } from '../../shared/contract/hardware';
import type { SourceStatus } from '../../shared/contract/metrics';
import { explainNvidiaSmiFailure, NVIDIA_QUERY_FIELDS, parseNvidiaSmiCsv } from '../hardware/nvidia-smi';

type Field = (typeof NVIDIA_QUERY_FIELDS)[number];

/** What the monitor asks for each loop: fewer columns than the hardware probe, same parser. */
export const LOOP_FIELDS: readonly Field[] = ['index', 'name', 'uuid', 'memory.total', 'memory.used', 'utilization.gpu', 'temperature.gpu', 'power.draw'];

export function nvidiaLoopArgs(intervalMs: number): string[] {
  return [`--query-gpu=${LOOP_FIELDS.join(',')}`, '--format=csv,noheader,nounits', `--loop-ms=${intervalMs}`];
}

/** One line of loop output; null when it is not a GPU row (a driver message mixed into stdout). */
export function parseNvidiaLoopLine(line: string): GpuInfo | null {
  try {
    return parseNvidiaSmiCsv(line, LOOP_FIELDS)[0] ?? null;
  } catch {
    return null;
  }
}

export type Spawn = (cmd: string, args: string[], opts: SpawnOptions) => ChildProcess;

const MAX_BACKOFF_MS = 60_000;

/**
 * NVIDIA GPUs through one long-running `nvidia-smi --loop-ms`: a single process prints a
 * row per GPU every interval, instead of a process start (tens of ms of CPU) per sample.
 * A missing tool means no NVIDIA GPU series at all; a loop that dies is restarted with backoff.
 */
export class NvidiaSmiLoop {
  private child: ChildProcess | null = null;
  private latest = new Map<number, { gpu: GpuInfo; at: number }>();
  private intervalMs = 1000;
  private active = false;
  private absent = false;
  private retryAt = 0;
  private backoffMs = 2000;
  private partial = '';
  private errorText = '';
  private state: SourceStatus = { name: 'nvidia-smi', scope: 'gpu', state: 'idle', message: 'Not sampled right now.' };

  constructor(
    private command = 'nvidia-smi',
    private spawn: Spawn = nodeSpawn,
    private argsFor: (intervalMs: number) => string[] = nvidiaLoopArgs,
  ) {}

  start(intervalMs: number): void {
    this.intervalMs = intervalMs;
    this.active = true;
    this.absent = false;
    this.retryAt = 0;
    this.backoffMs = 2000;
    this.launch();
  }

  stop(): void {
    this.active = false;
    const c = this.child;
    this.child = null;
    c?.kill();
    this.latest.clear();
    this.state = { name: 'nvidia-smi', scope: 'gpu', state: 'idle', message: 'Not sampled right now.' };
  }

  status(): SourceStatus {
    return this.state;
  }

  /** GPUs whose row arrived within the last two intervals (a stalled loop reads as a gap). */
  read(now: number): GpuInfo[] {
    if (this.active && !this.child && !this.absent && now >= this.retryAt) this.launch();
    const fresh: GpuInfo[] = [];
    for (const { gpu, at } of this.latest.values()) if (now - at <= 2.5 * this.intervalMs) fresh.push(gpu);
    return fresh;
  }

  private launch(): void {
    this.partial = '';
    this.errorText = '';
    let child: ChildProcess;
    try {
      child = this.spawn(this.command, this.argsFor(this.intervalMs), {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LC_ALL: 'C' },
        windowsHide: true,
      });
    } catch (e) {
      this.onGone(e as NodeJS.ErrnoException);
      return;
    }
    this.child = child;
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => this.onData(chunk));
    child.stderr?.on('data', (chunk: string) => (this.errorText = (this.errorText + chunk).slice(-2000)));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (this.child === child) this.child = null;
      this.onGone(e);
    });
    child.on('exit', () => {
      if (this.child !== child) return;
      this.child = null;
      this.onGone(null);
    });
  }

  private onData(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    const now = Date.now();
    for (const line of lines) {
      if (!line.trim()) continue;
      const gpu = parseNvidiaLoopLine(line);
      if (gpu) {
        this.latest.set(gpu.index, { gpu, at: now });
        this.backoffMs = 2000;
        this.state = { name: 'nvidia-smi', scope: 'gpu', state: 'ok', message: `${this.latest.size} NVIDIA GPU${this.latest.size > 1 ? 's' : ''}` };
      } else {
        this.errorText = (this.errorText + line + '\n').slice(-2000);
      }
    }
  }

  private onGone(e: NodeJS.ErrnoException | null): void {
    if (!this.active) return;
    if (e?.code === 'ENOENT') {
      this.absent = true;
      this.state = { name: 'nvidia-smi', scope: 'gpu', state: 'absent', message: 'No NVIDIA GPU (nvidia-smi is not installed).' };
      return;
    }
    const explained = explainNvidiaSmiFailure(this.errorText || (e ? e.message : 'nvidia-smi stopped'));
    if (explained.state === 'absent' && this.latest.size === 0) {
      this.absent = true;
      this.state = { name: 'nvidia-smi', scope: 'gpu', state: 'absent', message: explained.message };
      return;
    }
    this.retryAt = Date.now() + this.backoffMs;
    this.state = {
      name: 'nvidia-smi',
      scope: 'gpu',
      state: 'failing',
      message: `${explained.message} Retrying in ${Math.round(this.backoffMs / 1000)} s.`,
      hint: explained.hint,
    };
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
  }
}
