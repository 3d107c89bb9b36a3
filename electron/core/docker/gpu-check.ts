import type Docker from 'dockerode';
import type { GpuCheck, LogLine } from '../../shared/contract/docker';

/** Start-up lines that tell whether vLLM or Ollama ended up on the GPU or fell back to the CPU. */
const GPU_LINES: Array<{ re: RegExp; state: GpuCheck['state'] }> = [
  { re: /Automatically detected platform cuda/i, state: 'gpu' },
  { re: /Automatically detected platform rocm/i, state: 'gpu' },
  { re: /Automatically detected platform cpu/i, state: 'cpu' },
  { re: /No CUDA GPUs are available|Failed to infer device type|CUDA driver initialization failed/i, state: 'cpu' },
  { re: /msg="inference compute".*library=(cuda|rocm|metal)/i, state: 'gpu' },
  { re: /msg="inference compute".*library=cpu/i, state: 'cpu' },
  { re: /no compatible GPUs were discovered/i, state: 'cpu' },
];

/** The latest start-up line that settles the question, or unknown. */
export function classifyGpuLogs(lines: LogLine[]): GpuCheck {
  for (let i = lines.length - 1; i >= 0; i--) {
    for (const g of GPU_LINES) {
      if (g.re.test(lines[i].text)) return { state: g.state, evidence: lines[i].text.trim().slice(0, 300) };
    }
  }
  return { state: 'unknown', evidence: 'The server has not said yet which device it uses.' };
}

/** Runs a command in the container and collects its output (exit code null if it could not run). */
export async function execCapture(docker: Docker, container: string, cmd: string[], timeoutMs = 10_000): Promise<{ exitCode: number | null; output: string }> {
  try {
    const exec = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    let output = '';
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        stream.destroy();
        resolve();
      }, timeoutMs);
      const sink = { write: (c: Buffer) => ((output += c.toString()), true) };
      docker.modem.demuxStream(stream, sink as unknown as NodeJS.WritableStream, sink as unknown as NodeJS.WritableStream);
      stream.on('end', () => {
        clearTimeout(timer);
        resolve();
      });
      stream.on('error', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const info = await exec.inspect();
    return { exitCode: typeof info.ExitCode === 'number' ? info.ExitCode : null, output };
  } catch {
    return { exitCode: null, output: '' };
  }
}

/**
 * Does a GPU deployment really run on the GPU? First nvidia-smi inside the container (the
 * NVIDIA runtime injects it) listing a compute process; otherwise the server's own
 * start-up lines; a container without a device request is on the CPU by construction.
 */
export async function checkGpu(docker: Docker, container: string, logs: LogLine[]): Promise<GpuCheck> {
  const info = await docker.getContainer(container).inspect();
  const requested = (info.HostConfig?.DeviceRequests ?? []).length > 0;
  if (!requested) return { state: 'cpu', evidence: 'The container was created without a GPU device request.' };
  const smi = await execCapture(docker, container, ['nvidia-smi', '--query-compute-apps=pid,process_name,used_memory', '--format=csv,noheader']);
  if (smi.exitCode === 0 && smi.output.trim()) {
    return { state: 'gpu', evidence: `nvidia-smi in the container: ${smi.output.trim().split('\n')[0]}` };
  }
  const fromLogs = classifyGpuLogs(logs);
  if (fromLogs.state !== 'unknown') return fromLogs;
  if (smi.exitCode === 0) return { state: 'unknown', evidence: 'nvidia-smi sees the GPU but no process on it yet (the model may not be loaded).' };
  return fromLogs;
}
