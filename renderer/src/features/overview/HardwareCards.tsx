import type { ReactNode } from 'react';
import type { GpuInfo, HardwareProfile } from '../../../../electron/shared/contract/hardware';
import { useCall } from '../../api/hooks';
import { fmtBytes, fmtSize } from '../../../../electron/shared/format';

type Tone = 'ok' | 'warn' | 'bad';

function Card({ id, title, state, tone, children, hint }: { id: string; title: string; state: string; tone: Tone; children: ReactNode; hint?: string }) {
  return (
    <section className="card hw-card" aria-labelledby={`hw-${id}`} data-testid={`card-${id}`}>
      <header className="hw-card-head">
        <h2 id={`hw-${id}`}>{title}</h2>
        <span className={`pill ${tone}`}>{state}</span>
      </header>
      <dl className="kv">{children}</dl>
      {hint && <p className="hint small">{hint}</p>}
    </section>
  );
}

const Row = ({ k, v }: { k: string; v: ReactNode }) => (
  <>
    <dt>{k}</dt>
    <dd>{v}</dd>
  </>
);

function Meter({ used, total, label }: { used: number; total: number; label: string }) {
  const pct = total > 0 ? Math.min(100, Math.max(0, (used / total) * 100)) : 0;
  return (
    <div className="meter" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
      <span style={{ width: `${pct}%` }} />
    </div>
  );
}

function Flag({ on, name }: { on: boolean; name: string }) {
  return <span className={`flag ${on ? 'on' : 'off'}`}>{`${name} ${on ? '✓' : '✗'}`}</span>;
}

function GpuCard({ g }: { g: GpuInfo }) {
  const usable = g.api !== 'none';
  return (
    <Card
      id={`gpu-${g.vendor}-${g.index}`}
      title={`GPU ${g.index}: ${g.name}`}
      state={usable ? (g.api === 'cuda' ? 'CUDA' : g.api === 'rocm' ? 'ROCm' : 'Metal') : 'No compute driver'}
      tone={usable ? 'ok' : 'warn'}
      hint={
        usable
          ? undefined
          : g.vendor === 'nvidia'
            ? 'Install the NVIDIA driver so nvidia-smi works; until then inference runs on the CPU.'
            : 'No compute driver was found for this adapter; inference runs on the CPU.'
      }
    >
      <Row k={g.unifiedMemory ? 'Unified memory' : 'VRAM'} v={g.vramTotalBytes === null ? 'unknown' : fmtBytes(g.vramTotalBytes)} />
      {g.vramUsedBytes !== null && g.vramTotalBytes !== null && (
        <Row k="In use" v={<>{fmtBytes(g.vramUsedBytes)} <Meter used={g.vramUsedBytes} total={g.vramTotalBytes} label={`GPU ${g.index} memory in use`} /></>} />
      )}
      {g.driverVersion && <Row k="Driver" v={g.driverVersion} />}
      {g.cudaVersion && <Row k="CUDA (driver)" v={g.cudaVersion} />}
      {g.computeCapability && <Row k={g.api === 'rocm' ? 'GFX' : g.api === 'metal' ? 'Metal' : 'Compute capability'} v={g.computeCapability} />}
      {g.utilizationPercent !== null && <Row k="Busy" v={`${g.utilizationPercent} %`} />}
      {g.temperatureC !== null && <Row k="Temperature" v={`${g.temperatureC} °C`} />}
      {g.powerDrawW !== null && <Row k="Power" v={`${g.powerDrawW} W${g.powerLimitW !== null ? ` of ${g.powerLimitW} W` : ''}`} />}
    </Card>
  );
}

export function HardwareCards({ profile: p }: { profile: HardwareProfile }) {
  const f = p.cpu.flags;
  const arm = p.os.arch === 'arm64' || p.os.arch === 'aarch64';
  const memUsed = p.memory.totalBytes - p.memory.availableBytes;
  const unknownTools = p.gpuTools.filter((t) => t.state === 'unknown');
  // The Ollama at the settings URL may be one of the app's own containers, not a native install.
  const servers = useCall('ollama.servers', {});
  const own = servers.data?.find((s) => s.isSettingsUrl);
  const dk = p.docker;
  const disks = [p.disks.models, p.disks.dockerData].filter((d): d is NonNullable<typeof d> => d !== null);
  const diskUnknown = disks.find((d) => d.freeBytes === null);

  return (
    <div className="cards hw-cards">
      <Card id="cpu" title="CPU" state={`${p.cpu.physicalCores} cores`} tone="ok" hint={!arm && !f.avx2 ? 'No AVX2: CPU inference will be slow.' : undefined}>
        <Row k="Model" v={p.cpu.model} />
        <Row k="Cores" v={`${p.cpu.physicalCores} cores / ${p.cpu.logicalCores} threads${p.cpu.speedGhz ? ` at ${p.cpu.speedGhz} GHz` : ''}`} />
        <Row
          k="Instructions"
          v={
            <span className="flags">
              {arm ? <Flag on={f.neon} name="NEON" /> : [<Flag key="a2" on={f.avx2} name="AVX2" />, <Flag key="a5" on={f.avx512} name="AVX-512" />, <Flag key="amx" on={f.amx} name="AMX" />]}
            </span>
          }
        />
        {p.cpu.loadPercent !== null && <Row k="Busy" v={`${p.cpu.loadPercent} %`} />}
        <Row k="System" v={`${p.os.distro} ${p.os.release} (${p.os.arch})`} />
      </Card>

      <Card id="memory" title="Memory" state={fmtBytes(p.memory.totalBytes)} tone={p.memory.totalBytes >= 8e9 ? 'ok' : 'warn'} hint={p.memory.totalBytes < 8e9 ? 'Under 8 GB: only 4-bit models with short contexts fit.' : undefined}>
        <Row k="Total" v={fmtBytes(p.memory.totalBytes)} />
        <Row k="Available" v={<>{fmtBytes(p.memory.availableBytes)} <Meter used={memUsed} total={p.memory.totalBytes} label="Memory in use" /></>} />
        <Row k="Swap" v={p.memory.swapTotalBytes ? `${fmtBytes(p.memory.swapUsedBytes)} used of ${fmtBytes(p.memory.swapTotalBytes)}` : 'none'} />
      </Card>

      {p.gpus.length === 0 && (
        <Card
          id="gpu"
          title="GPU"
          state={unknownTools.length ? 'Unknown' : 'No GPU'}
          tone="warn"
          hint={unknownTools[0]?.hint ?? 'Models run on the CPU. With an NVIDIA GPU, install its driver (nvidia-smi) to use vLLM on the GPU.'}
        >
          <Row
            k="Checked"
            v={
              <ul className="plain">
                {p.gpuTools.map((t) => (
                  <li key={t.tool}>{/^[a-z]/.test(t.message) && !t.message.startsWith(t.tool) ? `${t.tool}: ${t.message}` : t.message}</li>
                ))}
              </ul>
            }
          />
        </Card>
      )}
      {p.gpus.map((g) => (
        <GpuCard key={`${g.source}-${g.index}`} g={g} />
      ))}

      <Card id="disk" title="Disk" state={disks[0]?.freeBytes != null ? `${fmtSize(disks[0].freeBytes)} free` : 'Unknown'} tone={disks.some((d) => d.freeBytes !== null && d.freeBytes < 10e9) ? 'warn' : 'ok'} hint={diskUnknown?.hint}>
        {disks.map((d) => (
          <Row key={d.label} k={d.label} v={<span title={d.path}>{d.freeBytes !== null ? `${fmtSize(d.freeBytes)} free of ${fmtSize(d.totalBytes)}` : 'unknown'}</span>} />
        ))}
      </Card>

      <Card id="docker" title="Docker" state={dk.reachable ? 'Running' : 'Not reachable'} tone={dk.reachable ? 'ok' : 'bad'} hint={dk.reachable ? (!dk.gpuPassthrough && p.gpus.some((g) => g.vendor === 'nvidia') ? 'Containers cannot use the GPU: install the NVIDIA Container Toolkit and run `sudo nvidia-ctk runtime configure --runtime=docker`.' : undefined) : dk.hint}>
        {dk.reachable ? (
          <>
            <Row k="Version" v={dk.version} />
            <Row k="Platform" v={`${dk.os ?? '?'}/${dk.arch ?? '?'}`} />
            {dk.remote && <Row k="Remote host" v={`${dk.ncpu ?? '?'} CPUs · ${dk.memTotalBytes !== undefined ? fmtSize(dk.memTotalBytes) : '?'} memory · plans are for this host`} />}
            <Row k="GPU passthrough" v={dk.gpuPassthrough ? `yes${dk.nvidiaRuntime ? ' (nvidia runtime)' : ''}${dk.cdiDevices.length ? ` (CDI: ${dk.cdiDevices.join(', ')})` : ''}` : 'no'} />
          </>
        ) : (
          <Row k="Why" v={dk.reason} />
        )}
        <Row k="Endpoint" v={<code>{dk.endpoint}</code>} />
      </Card>

      <Card
        id="ollama"
        title={own ? 'Ollama (SLM Deck container)' : 'Native Ollama'}
        state={p.ollama.reachable ? `v${p.ollama.version}` : 'Not running'}
        tone={p.ollama.reachable ? 'ok' : 'warn'}
        hint={p.ollama.reachable ? undefined : p.ollama.hint}
      >
        <Row k="Address" v={<code>{p.ollama.url}</code>} />
        {own && <Row k="Deployment" v={own.name} />}
        {!p.ollama.reachable && <Row k="Why" v={p.ollama.reason} />}
      </Card>
    </div>
  );
}
