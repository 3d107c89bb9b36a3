import { describe, expect, it } from 'vitest';
import { cpuPercent, memoryUsage, RawStatsSchema, toSample } from '../../electron/core/docker/stats';

const MiB = 1024 * 1024;

/** Shapes of GET /containers/{id}/stats on a cgroup v1 host (Docker 20.10) and a cgroup v2 host. */
const V1 = {
  read: '2026-05-01T10:00:01.000000000Z',
  cpu_stats: { cpu_usage: { total_usage: 3_000_000_000, percpu_usage: [1_500_000_000, 1_500_000_000] }, system_cpu_usage: 20_000_000_000, online_cpus: 2 },
  precpu_stats: { cpu_usage: { total_usage: 2_000_000_000 }, system_cpu_usage: 18_000_000_000, online_cpus: 2 },
  memory_stats: { usage: 300 * MiB, limit: 1024 * MiB, stats: { total_inactive_file: 100 * MiB, inactive_file: 90 * MiB, cache: 150 * MiB } },
  networks: { eth0: { rx_bytes: 1000, tx_bytes: 200 }, eth1: { rx_bytes: 24, tx_bytes: 6 } },
  blkio_stats: { io_service_bytes_recursive: [{ major: 8, minor: 0, op: 'Read', value: 4096 }, { major: 8, minor: 0, op: 'Write', value: 512 }, { major: 8, minor: 0, op: 'Total', value: 4608 }] },
  pids_stats: { current: 7 },
};

const V2 = {
  read: '2026-05-01T10:00:01Z',
  cpu_stats: { cpu_usage: { total_usage: 500_000_000 }, system_cpu_usage: 108_000_000_000, online_cpus: 8 },
  precpu_stats: { cpu_usage: { total_usage: 250_000_000 }, system_cpu_usage: 100_000_000_000, online_cpus: 8 },
  memory_stats: { usage: 64 * MiB, limit: 8 * 1024 * MiB, stats: { inactive_file: 16 * MiB, active_file: 4 * MiB, anon: 40 * MiB } },
  blkio_stats: { io_service_bytes_recursive: [{ major: 259, minor: 0, op: 'read', value: 100 }, { major: 259, minor: 0, op: 'write', value: 50 }] },
  pids_stats: { current: 3 },
};

describe('container stats', () => {
  it('computes CPU % as the docker CLI does: container delta / system delta x online CPUs', () => {
    // (1e9 / 2e9) x 2 CPUs x 100 = 100 %
    expect(cpuPercent(RawStatsSchema.parse(V1))).toEqual({ percent: 100, onlineCpus: 2 });
    // (0.25e9 / 8e9) x 8 x 100 = 25 %
    expect(cpuPercent(RawStatsSchema.parse(V2)).percent).toBeCloseTo(25, 10);
  });

  it('counts CPUs from percpu_usage when online_cpus is missing; measures a first reading from zero; idle is 0 %', () => {
    const noOnline = { ...V1, cpu_stats: { ...V1.cpu_stats, online_cpus: undefined } };
    expect(cpuPercent(RawStatsSchema.parse(noOnline))).toEqual({ percent: 100, onlineCpus: 2 });
    const first = { ...V1, precpu_stats: {} };
    expect(cpuPercent(RawStatsSchema.parse(first)).percent).toBe(100 * (3e9 / 20e9) * 2);
    const idle = { ...V1, precpu_stats: V1.cpu_stats };
    expect(cpuPercent(RawStatsSchema.parse(idle)).percent).toBe(0);
  });

  it('subtracts the inactive page cache: total_inactive_file on cgroup v1, inactive_file on v2', () => {
    expect(memoryUsage(RawStatsSchema.parse(V1))).toBe(200 * MiB);
    expect(memoryUsage(RawStatsSchema.parse(V2))).toBe(48 * MiB);
    const noStats = { ...V2, memory_stats: { usage: 10 * MiB, limit: 100 * MiB } };
    expect(memoryUsage(RawStatsSchema.parse(noStats))).toBe(10 * MiB);
  });

  it('turns a reading into a sample with network, block I/O and pids', () => {
    const s = toSample('slm-deck-x', RawStatsSchema.parse(V1));
    expect(s).toEqual({
      container: 'slm-deck-x',
      time: Date.parse('2026-05-01T10:00:01Z'),
      cpuPercent: 100,
      onlineCpus: 2,
      memoryBytes: 200 * MiB,
      memoryLimitBytes: 1024 * MiB,
      memoryPercent: (200 / 1024) * 100,
      netRxBytes: 1024,
      netTxBytes: 206,
      blockReadBytes: 4096,
      blockWriteBytes: 512,
      pids: 7,
    });
    expect(toSample('v2', RawStatsSchema.parse(V2))).toMatchObject({ blockReadBytes: 100, blockWriteBytes: 50, netRxBytes: 0, pids: 3 });
  });
});
