import type { ContainerSpec, DeployRequest, DeploymentSpec } from '../../../shared/contract/docker';
import { isLoopback } from '../../../shared/request-guard';
import { checkModelPathShape } from '../../fs/model-folder';
import { ENGINE_KEY_PATH } from '../secret-mounts';
import { containedPath } from '../../fs/contained-path';
import { containerName, LABEL } from '../labels';
import {
  baseLabels, deploymentName, endpointLabel, envList, healthcheck, hostForUrl, httpProbe, limits, openAiEndpoint, ports, requestLabel,
  type SpecContext,
} from './common';

export const ENGINE_PORT = 8080;
export const ENGINE_MODEL_DIR = '/model';

/** Built locally from resources/engine/Dockerfile, so never rewritten through the registry mirror. */
export function engineImage(version: string): string {
  return `slm-deck/onnx-engine:${version}`;
}

/** The model folder on the Docker host: the request's modelPath (never a system folder or socket), else the app's model store. */
export function engineModelFolder(req: DeployRequest, ctx: SpecContext): string {
  if (req.modelPath === undefined) return containedPath(ctx.modelsDir, ...req.model.split('/'));
  checkModelPathShape(req.modelPath);
  return req.modelPath;
}

/** An engine reachable from other machines requires an API key (as vLLM's --api-key); a loopback one does not. */
export function wantsApiKey(req: DeployRequest): boolean {
  return req.backend === 'onnx-engine' && !isLoopback(req.bindHost);
}

/** The ONNX engine container: model folder mounted read-only, the request's limits, /health probe. */
export function buildOnnxEngineSpec(req: DeployRequest, ctx: SpecContext): DeploymentSpec {
  const warnings: string[] = [];
  const model = ctx.resolveModel(req.backend, req.model);
  const name = containerName(deploymentName(req), 'server');
  const folder = engineModelFolder(req, ctx);
  const keyFile = wantsApiKey(req) ? ctx.engineKeyFile : null;
  const endpoint = openAiEndpoint(`http://${hostForUrl(req.bindHost)}:${req.hostPort}`, model.served, keyFile ?? undefined);
  if (req.gpus.length) warnings.push('The ONNX engine container runs on the CPU; the GPU selection is ignored.');
  const url = `http://127.0.0.1:${ENGINE_PORT}/health`;
  const server: ContainerSpec = {
    role: 'server',
    name,
    image: engineImage(ctx.engineVersion),
    containerPort: ENGINE_PORT,
    hostPort: req.hostPort,
    create: {
      name,
      Image: engineImage(ctx.engineVersion),
      Env: envList({
        SLM_ENGINE_HOST: '0.0.0.0',
        SLM_ENGINE_PORT: String(ENGINE_PORT),
        SLM_ENGINE_MODEL_DIR: ENGINE_MODEL_DIR,
        // /v1/models then names the model as the endpoint does (not the mount point's folder name).
        SLM_ENGINE_MODEL_ID: model.served,
        SLM_ENGINE_CONTEXT: String(req.contextLength),
        SLM_ENGINE_PARALLEL: String(req.parallel),
        // The file's path, not the key: `docker inspect` shows Env.
        ...(keyFile ? { SLM_ENGINE_API_KEY_FILE: ENGINE_KEY_PATH } : {}),
        ...req.env,
      }),
      Labels: { ...baseLabels(req, 'server', model.served, ctx.appVersion), [LABEL.request]: requestLabel(req), [LABEL.endpoint]: endpointLabel(endpoint) },
      ExposedPorts: ports(ENGINE_PORT, req.hostPort, req.bindHost).ExposedPorts,
      Healthcheck: healthcheck(httpProbe(url, [`node -e "fetch('${url}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"`]), 300),
      HostConfig: {
        PortBindings: ports(ENGINE_PORT, req.hostPort, req.bindHost).PortBindings,
        Mounts: [
          { Type: 'bind', Source: folder, Target: ENGINE_MODEL_DIR, ReadOnly: true },
          ...(keyFile ? [{ Type: 'bind' as const, Source: keyFile, Target: ENGINE_KEY_PATH, ReadOnly: true }] : []),
        ],
        RestartPolicy: { Name: 'unless-stopped' },
        // null = no limit, as for every backend (the seed's 8 GB / 4 CPUs are defaultDeployConfig's, capped at the machine's cores).
        ...limits(req.memoryLimitGb, req.cpus),
      },
    },
  };
  return {
    name: deploymentName(req),
    backend: req.backend,
    containers: [server],
    volumes: [],
    network: null,
    endpoint,
    healthTimeoutSec: req.healthTimeoutSec ?? 300,
    warnings,
  };
}
