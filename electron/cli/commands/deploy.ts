import os from 'node:os';
import type { Command } from 'commander';
import { backendDefinition, defaultDeployConfig, dockerBackendIds } from '../../core/backends';
import { BackendSchema, type DeploymentConfig } from '../../shared/contract/deploy-config';
import type { DeployInput, DeployResult } from '../../shared/contract/docker';
import type { TaskSnapshot } from '../../shared/contract/app';
import { DeckError } from '../../shared/errors';
import { verb, type CliContext } from '../context';
import { print } from '../output';

export interface DeployOpts {
  model?: string;
  port?: string;
  name?: string;
  bind?: string;
  context?: string;
  parallel?: string;
  gpus?: string;
  memory?: string;
  cpus?: string;
  env?: string[];
  openWebui?: boolean;
  webuiPort?: string;
  modelPath?: string;
  toolCalling?: boolean;
  kvCacheType?: string;
  replace?: boolean;
  createOnly?: boolean;
  force?: boolean;
  timeout?: string;
  dryRun?: boolean;
}

function int(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new DeckError('invalid_input', `${what} must be a number, not "${value}".`);
  return n;
}

/** "none" or "0" clears a limit. */
function limit(value: string | undefined, what: string): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'none' || value === '0') return null;
  return int(value, what);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The deploy request from a backend name and flags, starting from `planned` (the planner's
 * config for that backend on this machine) or else the seed's defaults, capped at this
 * machine's cores.
 */
export function requestFromFlags(backendArg: string, o: DeployOpts, bindHost: string, planned?: DeploymentConfig[]): DeployInput {
  const parsed = BackendSchema.safeParse(backendArg);
  if (!parsed.success || !backendDefinition(parsed.data).buildSpec) {
    throw new DeckError(
      'invalid_input',
      parsed.success ? `${backendDefinition(parsed.data).info.label} is not a container.` : `Unknown backend "${backendArg}".`,
      `Choose one of: ${dockerBackendIds().join(', ')}.`,
    );
  }
  const fromPlan = planned?.find((c) => c.backend === parsed.data);
  const base = fromPlan ? { ...fromPlan, bindHost: o.bind ?? fromPlan.bindHost } : defaultDeployConfig(parsed.data, o.bind ?? bindHost, os.availableParallelism());
  const env: Record<string, string> = { ...base.env };
  for (const e of o.env ?? []) {
    const i = e.indexOf('=');
    if (i <= 0) throw new DeckError('invalid_input', `--env wants KEY=VALUE, not "${e}".`);
    env[e.slice(0, i)] = e.slice(i + 1);
  }
  const req: DeployInput = {
    ...base,
    env,
    ...(o.model ? { model: o.model } : {}),
    ...(o.port ? { hostPort: int(o.port, '--port') } : {}),
    ...(o.context ? { contextLength: int(o.context, '--context') } : {}),
    ...(o.parallel ? { parallel: int(o.parallel, '--parallel') } : {}),
    ...(o.gpus ? { gpus: o.gpus === 'all' ? ['all'] : o.gpus.split(',').map((g) => g.trim()).filter(Boolean) } : {}),
    ...(o.memory !== undefined ? { memoryLimitGb: limit(o.memory, '--memory') } : {}),
    ...(o.cpus !== undefined ? { cpus: limit(o.cpus, '--cpus') } : {}),
    ...(o.openWebui ? { openWebUi: true } : {}),
    ...(o.webuiPort ? { webUiPort: int(o.webuiPort, '--webui-port') } : {}),
    ...(o.name ? { name: o.name } : {}),
    ...(o.modelPath ? { modelPath: o.modelPath } : {}),
    ...(o.replace ? { replace: true } : {}),
    ...(o.createOnly ? { createOnly: true } : {}),
    ...(o.force ? { force: true } : {}),
    ...(o.timeout ? { healthTimeoutSec: int(o.timeout, '--timeout') } : {}),
  };
  if (o.toolCalling === false && base.vllm) req.vllm = { ...base.vllm, toolCalling: false };
  if (o.kvCacheType) {
    if (o.kvCacheType !== 'f16' && o.kvCacheType !== 'q8_0') throw new DeckError('invalid_input', `--kv-cache-type is f16 or q8_0, not "${o.kvCacheType}".`);
    if (!backendDefinition(parsed.data).info.options.includes('kvCacheType')) throw new DeckError('invalid_input', `${backendDefinition(parsed.data).info.label} has no KV cache type option.`);
    req.llamaCpp = { ...base.llamaCpp, kvCacheType: o.kvCacheType };
  }
  return req;
}

/**
 * Waits for a task, drawing its progress on stderr (one updating line on a terminal,
 * one line per step otherwise), and returns its result or throws its error.
 */
export async function waitTask(ctx: CliContext, cmd: Command, taskId: string): Promise<unknown> {
  const json = Boolean(cmd.optsWithGlobals().json);
  const err = process.stderr;
  let lastLine = '';
  const show = (s: TaskSnapshot) => {
    if (s.id !== taskId || json) return;
    const pct = s.progress !== null && s.bytesTotal ? ` ${Math.round(s.progress * 100)}%` : '';
    const eta = s.etaSeconds !== undefined ? ` · ${Math.round(s.etaSeconds)} s left` : '';
    const line = `${s.step}${pct}${eta}`;
    if (line === lastLine) return;
    lastLine = line;
    if (err.isTTY) err.write(`\r\x1b[2K${line.slice(0, (err.columns || 100) - 1)}`);
    else if (!pct || s.progress === 1) err.write(`${line}\n`);
  };
  const off = ctx.core.bus.on('task.progress', show);
  const done = await ctx.core.tasks.wait(taskId);
  off();
  if (err.isTTY && !json && lastLine) err.write('\r\x1b[2K');
  if (done.state === 'succeeded') return done.result;
  if (done.state === 'cancelled') throw new DeckError('cancelled', 'Cancelled.');
  throw new DeckError((done.error?.code ?? 'internal') as DeckError['code'], done.error?.message ?? 'The task failed.', done.error?.hint);
}

function deployOptions(c: Command): Command {
  return c
    .option('--model <id>', 'catalog form (phi-4-mini-instruct/ollama-q4_K_M), Hugging Face repo or Ollama tag')
    .option('--port <port>', 'host port (default: the backend’s usual port)')
    .option('--name <name>', 'deployment name (default: the backend)')
    .option('--bind <address>', 'host address to publish on (default: the bindHost setting, 127.0.0.1)')
    .option('--context <tokens>', 'context length')
    .option('--parallel <n>', 'concurrent sequences')
    .option('--gpus <ids>', 'GPU ids, comma separated, or "all"')
    .option('--memory <gb>', 'memory limit in GB ("none" for no limit)')
    .option('--cpus <n>', 'CPU limit ("none" for no limit)')
    .option('--env <KEY=VALUE>', 'extra environment (repeatable)', collect)
    .option('--open-webui', 'Ollama: also start Open WebUI')
    .option('--webui-port <port>', 'Open WebUI host port (default 3000)')
    .option('--model-path <dir>', 'onnx-engine: model folder on the Docker host')
    .option('--no-tool-calling', 'vLLM: leave tool calling off')
    .option('--kv-cache-type <type>', 'llama.cpp: f16 (default) or q8_0 (half the KV cache memory)');
}

export function registerDeploy(program: Command): void {
  deployOptions(
    program
      .command('deploy <backend>')
      .description(`Deploy a model server in Docker: ${dockerBackendIds().join(', ')}`)
      .option('--dry-run', 'print the container create options; do not touch Docker'),
  )
    .option('--replace', 'remove an existing deployment of the same name first')
    .option('--create-only', 'create the containers without starting them')
    .option('--force', 'deploy even if the GPU check or the planner says it will not work')
    .option('--timeout <seconds>', 'how long to wait for the healthcheck')
    .action(
      verb(async (ctx, cmd, backend: string, o: DeployOpts) => {
        // Defaults from the machine and the planner (limits, context, parallel requests).
        const plan = await ctx.call('hardware.plan', {}).catch(() => null);
        const req = requestFromFlags(backend, o, (await ctx.call('settings.get', {})).settings.bindHost, plan?.configs);
        if (o.dryRun) {
          const { spec, compose } = await ctx.call('docker.preview', req);
          print(cmd, spec, () =>
            [
              `# ${spec.containers.length} container(s); endpoint ${spec.endpoint.url}`,
              ...spec.warnings.map((w) => `# warning: ${w}`),
              ...spec.containers.map((c) => JSON.stringify(c.create, null, 2)),
              '',
              compose,
            ].join('\n'),
          );
          return;
        }
        const { taskId } = await ctx.call('docker.deploy', req);
        const result = (await waitTask(ctx, cmd, taskId)) as DeployResult;
        print(cmd, result, (r) => {
          const ep = r.deployment.endpoint;
          const answering = r.ready ? `, answering with ${ep?.model ?? 'its model'}${r.ready.pulled ? ' (pulled into the deployment)' : ''}; first token in ${r.ready.firstTokenMs} ms` : '';
          const lines = [`${r.deployment.name} is ${r.ready ? 'ready' : r.deployment.state}${ep ? ` at ${ep.url}` : ''}${answering}`];
          if (ep?.webUiUrl) lines.push(`Open WebUI: ${ep.webUiUrl}`);
          if (r.gpuCheck?.state === 'cpu') lines.push(`warning: running on the CPU, not the GPU (${r.gpuCheck.evidence})`);
          if (ep) lines.push('', `Chat: slm-deck chat --backend docker:${r.deployment.name} --prompt "Hello"`, '', 'Try it:', ep.curl);
          return lines.join('\n');
        });
      }),
    );

  deployOptions(
    program.command('compose <backend-or-name>').description('Print docker-compose.yml for a backend (with the deploy flags) or an existing deployment'),
  ).action(
    verb(async (ctx, cmd, target: string, o: DeployOpts) => {
      const yaml = BackendSchema.safeParse(target).success
        ? (await ctx.call('docker.preview', requestFromFlags(target, o, (await ctx.call('settings.get', {})).settings.bindHost))).compose
        : (await ctx.call('docker.compose', { name: target })).yaml;
      print(cmd, { yaml }, (v) => v.yaml.trimEnd());
    }),
  );

  deployOptions(
    program.command('kube <backend-or-name>').description('Print Kubernetes manifests (kubectl apply -f) for a backend (with the deploy flags) or an existing deployment'),
  ).action(
    verb(async (ctx, cmd, target: string, o: DeployOpts) => {
      const yaml = BackendSchema.safeParse(target).success
        ? (await ctx.call('docker.preview', requestFromFlags(target, o, ctx.core.settings.get().bindHost))).kube
        : (await ctx.call('docker.kube', { name: target })).yaml;
      print(cmd, { yaml }, (v) => v.yaml.trimEnd());
    }),
  );
}
