import type { ContainerSpec, DeployRequest, DeploymentSpec } from '../../../shared/contract/docker';
import { containerName, LABEL } from '../labels';
import { mirrorImage } from '../mirror';
import {
  baseLabels, deploymentName, endpointLabel, envList, gpuRequests, healthcheck, hostForUrl, httpProbe, limits, ollamaEndpoint, ports,
  requestLabel, volumeLabels, VOLUMES, type SpecContext,
} from './common';

export const OLLAMA_IMAGE = 'ollama/ollama:latest';
export const OPEN_WEBUI_IMAGE = 'ghcr.io/open-webui/open-webui:main';
export const OLLAMA_PORT = 11434;
export const OPEN_WEBUI_PORT = 8080;
export const DEFAULT_WEBUI_HOST_PORT = 3000;

/** `ollama list` is GET /api/tags through the CLI that every Ollama image has (it has no curl). */
export function ollamaHealthProbe(): string {
  return ['ollama list >/dev/null 2>&1', `wget -q -O /dev/null http://127.0.0.1:${OLLAMA_PORT}/api/tags`, `curl -fsS -o /dev/null http://127.0.0.1:${OLLAMA_PORT}/api/tags`].join(' || ');
}

/** The seed's Ollama service: data volume, parallelism and flash attention, optional Open WebUI on a private network. */
export function buildOllamaSpec(req: DeployRequest, ctx: SpecContext): DeploymentSpec {
  const warnings: string[] = [];
  const dep = deploymentName(req);
  const model = ctx.resolveModel(req.backend, req.model);
  const serverName = containerName(dep, 'server');
  const networkName = req.openWebUi ? `slm-deck-${dep}` : null;
  const url = `http://${hostForUrl(req.bindHost)}:${req.hostPort}`;
  const webUiPort = req.webUiPort ?? DEFAULT_WEBUI_HOST_PORT;
  const endpoint = {
    ...ollamaEndpoint(url, model.served),
    ...(req.openWebUi ? { webUiUrl: `http://${hostForUrl(req.bindHost)}:${webUiPort}` } : {}),
  };
  const image = mirrorImage(OLLAMA_IMAGE, ctx.mirror);
  const server: ContainerSpec = {
    role: 'server',
    name: serverName,
    image,
    containerPort: OLLAMA_PORT,
    hostPort: req.hostPort,
    create: {
      name: serverName,
      Image: image,
      Env: envList({
        OLLAMA_HOST: '0.0.0.0',
        OLLAMA_NUM_PARALLEL: String(req.parallel),
        OLLAMA_MAX_LOADED_MODELS: '1',
        OLLAMA_FLASH_ATTENTION: '1',
        OLLAMA_CONTEXT_LENGTH: String(req.contextLength),
        ...req.env,
      }),
      Labels: { ...baseLabels(req, 'server', model.served, ctx.appVersion), [LABEL.request]: requestLabel(req), [LABEL.endpoint]: endpointLabel(endpoint) },
      ExposedPorts: ports(OLLAMA_PORT, req.hostPort, req.bindHost).ExposedPorts,
      Healthcheck: healthcheck(ollamaHealthProbe(), 60),
      HostConfig: {
        PortBindings: ports(OLLAMA_PORT, req.hostPort, req.bindHost).PortBindings,
        Mounts: [{ Type: 'volume', Source: VOLUMES.ollamaData, Target: '/root/.ollama' }],
        RestartPolicy: { Name: 'unless-stopped' },
        ...limits(req.memoryLimitGb, req.cpus),
        ...gpuRequests(req.gpus, false),
        ...(networkName ? { NetworkMode: networkName } : {}),
      },
    },
  };
  const containers = [server];
  const volumes: DeploymentSpec['volumes'] = [{ name: VOLUMES.ollamaData, labels: volumeLabels(VOLUMES.ollamaData, ctx.appVersion) }];
  if (req.openWebUi && networkName) {
    const webName = containerName(dep, 'webui');
    const webImage = mirrorImage(OPEN_WEBUI_IMAGE, ctx.mirror);
    containers.push({
      role: 'webui',
      name: webName,
      image: webImage,
      containerPort: OPEN_WEBUI_PORT,
      hostPort: webUiPort,
      create: {
        name: webName,
        Image: webImage,
        Env: envList({ OLLAMA_BASE_URL: `http://${serverName}:${OLLAMA_PORT}`, DEFAULT_MODELS: model.served }),
        Labels: baseLabels(req, 'webui', model.served, ctx.appVersion),
        ExposedPorts: ports(OPEN_WEBUI_PORT, webUiPort, req.bindHost).ExposedPorts,
        Healthcheck: healthcheck(httpProbe(`http://127.0.0.1:${OPEN_WEBUI_PORT}/health`), 300),
        HostConfig: {
          PortBindings: ports(OPEN_WEBUI_PORT, webUiPort, req.bindHost).PortBindings,
          Mounts: [{ Type: 'volume', Source: VOLUMES.openWebUiData, Target: '/app/backend/data' }],
          RestartPolicy: { Name: 'unless-stopped' },
          NetworkMode: networkName,
        },
      },
    });
    volumes.push({ name: VOLUMES.openWebUiData, labels: volumeLabels(VOLUMES.openWebUiData, ctx.appVersion) });
  }
  return {
    name: dep,
    backend: req.backend,
    containers,
    volumes,
    network: networkName
      ? { name: networkName, labels: { [LABEL.managed]: 'true', [LABEL.deployment]: dep, [LABEL.version]: ctx.appVersion } }
      : null,
    endpoint,
    healthTimeoutSec: req.healthTimeoutSec ?? 180,
    warnings,
  };
}
