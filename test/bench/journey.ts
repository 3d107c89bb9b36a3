// Zero to first answer, stage by stage: from an empty SLM_DECK_HOME, deploy each Docker
// backend with the planner's settings for it (Ollama, vLLM CPU, the ONNX engine container
// with the demo model) through the test daemon and registry mirror, then send one chat; and
// start the embedded engine and chat. Prints one JSON object: each journey's stages (ms, from
// the deploy's own timings), its time to first answer, and each stage's share of it.
// Needs the test services (test/services/up.sh) and a built app (node scripts/build.js).
import { createCore } from '../../electron/core/app-core';
import { unwrap } from '../../electron/core/rpc/dispatcher';
import type { MethodInput, MethodName, MethodResult } from '../../electron/shared/contract';
import { DeployResultSchema } from '../../electron/shared/contract/docker';
import { DEMO_MODEL_ID } from '../../electron/shared/contract/engine';
import { tempHome } from '../helpers/serve';
import { DOCKER_HOST, freePort, rawDocker, REGISTRY } from '../integration/docker-helpers';

const core = await createCore({ home: tempHome('slm-deck-journey-bench-') });
const signal = new AbortController().signal;
const call = async <M extends MethodName>(method: M, params: MethodInput<M>): Promise<MethodResult<M>> =>
  unwrap(await core.dispatcher.call(method, params, { transport: 'cli', signal })) as MethodResult<M>;
await call('settings.set', { dockerEndpoint: DOCKER_HOST, registryMirror: REGISTRY, ollamaUrl: 'http://127.0.0.1:9' });

/** One chat through a backend; ms until the reply is complete. */
async function chatOnce(backendId: string): Promise<number> {
  const t0 = performance.now();
  const conv = await call('chat.create', { backendId, params: { max_tokens: 16 } });
  await call('chat.send', { conversationId: conv.id, content: 'A train travels 240 km in 3 hours. How fast is it?' });
  await core.chat.settled(conv.id);
  const last = (await call('chat.get', { id: conv.id })).messages.at(-1);
  if (last?.status !== 'done') throw new Error(`${backendId}: the reply ended ${last?.status}: ${last?.error?.message ?? ''}`);
  return performance.now() - t0;
}

const round = (v: number) => Math.round(v);
const journeys: Record<string, unknown> = {};
const plan = await call('hardware.plan', {});
for (const [journey, backend, model] of [
  ['ollama', 'ollama', null],
  ['vllm-cpu', 'vllm-cpu', null],
  ['onnx-engine', 'onnx-engine', DEMO_MODEL_ID],
] as const) {
  const config = plan.configs.find((c) => c.backend === backend);
  const name = `bench-journey-${journey}-${Date.now().toString(36)}`;
  try {
    if (!config) throw new Error(`the plan has no config for ${backend}`);
    const t0 = performance.now();
    const { taskId } = await call('docker.deploy', { ...config, ...(model ? { model } : {}), name, hostPort: await freePort() });
    const done = await core.tasks.wait(taskId);
    if (done.state !== 'succeeded') throw new Error(`deploy ${done.state}: ${done.error?.message ?? ''}`);
    const ready = DeployResultSchema.parse(done.result).ready;
    const deployMs = performance.now() - t0;
    const chatMs = await chatOnce(`docker:${name}`);
    const total = deployMs + chatMs;
    const stages = Object.fromEntries((ready?.stages ?? []).map((s) => [s.stage, round(s.ms)]));
    journeys[journey] = {
      stagesMs: { ...stages, chat: round(chatMs) },
      firstAnswerMs: round(total),
      shareOfFirstAnswer: Object.fromEntries(Object.entries({ ...stages, chat: chatMs }).map(([k, v]) => [k, Math.round((v / total) * 1000) / 1000])),
    };
  } catch (e) {
    journeys[journey] = { error: e instanceof Error ? e.message : String(e) };
  } finally {
    for (const c of await rawDocker().listContainers({ all: true, filters: { name: [`slm-deck-${name}`] } })) {
      await rawDocker().getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
  }
}

{
  const t0 = performance.now();
  await call('engine.start', { model: DEMO_MODEL_ID });
  const startMs = performance.now() - t0;
  const chatMs = await chatOnce('embedded');
  const total = startMs + chatMs;
  journeys.embedded = {
    stagesMs: { start: round(startMs), chat: round(chatMs) },
    firstAnswerMs: round(total),
    shareOfFirstAnswer: { start: Math.round((startMs / total) * 1000) / 1000, chat: Math.round((chatMs / total) * 1000) / 1000 },
  };
}

await core.close();
console.log(JSON.stringify({ journeys }));
