import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { containerInfo, deploymentState } from '../../electron/core/docker/deployment-view';
import type { ContainerInfo } from '../../electron/shared/contract/docker';

/** The parts of `docker inspect` the list reads. */
function inspected(state: Partial<Docker.ContainerInspectInfo['State']>, role = 'server'): Docker.ContainerInspectInfo {
  return {
    Id: 'abc',
    Name: '/slm-deck-x',
    Config: { Image: 'localhost:5000/ollama/ollama:latest', Labels: { 'dev.slmdeck.role': role } },
    State: { Status: 'running', Running: true, StartedAt: '2026-05-01T10:00:00Z', ExitCode: 0, ...state },
    HostConfig: { PortBindings: { '11434/tcp': [{ HostIp: '127.0.0.1', HostPort: '11500' }] }, DeviceRequests: null },
  } as unknown as Docker.ContainerInspectInfo;
}

const c = (over: Partial<ContainerInfo>): ContainerInfo => ({
  id: 'x', name: 'x', role: 'server', image: 'i', state: 'running', health: 'healthy', startedAt: 1, exitCode: null, ports: [], gpuRequested: false, ...over,
});

describe('deployment view', () => {
  it('reads a running container: ports, health, start time', () => {
    const info = containerInfo(inspected({ Health: { Status: 'healthy', FailingStreak: 0, Log: [] } }));
    expect(info).toEqual({
      id: 'abc',
      name: 'slm-deck-x',
      role: 'server',
      image: 'localhost:5000/ollama/ollama:latest',
      state: 'running',
      health: 'healthy',
      startedAt: Date.parse('2026-05-01T10:00:00Z'),
      exitCode: null,
      ports: [{ hostIp: '127.0.0.1', hostPort: 11500, containerPort: 11434 }],
      gpuRequested: false,
    });
  });

  it('forgets the health of a stopped container and keeps its exit code', () => {
    const info = containerInfo(inspected({ Status: 'exited', Running: false, ExitCode: 137, Health: { Status: 'unhealthy', FailingStreak: 3, Log: [] } }));
    expect(info).toMatchObject({ state: 'exited', health: 'none', startedAt: null, exitCode: 137 });
  });

  it('derives one state from the server and its companions', () => {
    expect(deploymentState([c({})])).toBe('running');
    expect(deploymentState([c({ health: 'starting' })])).toBe('starting');
    expect(deploymentState([c({ health: 'unhealthy' })])).toBe('unhealthy');
    expect(deploymentState([c({ state: 'exited', health: 'none' })])).toBe('stopped');
    expect(deploymentState([c({ state: 'created', health: 'none' })])).toBe('created');
    expect(deploymentState([c({ state: 'restarting' })])).toBe('restarting');
    expect(deploymentState([c({}), c({ role: 'webui', state: 'exited' })])).toBe('partial');
  });
});
