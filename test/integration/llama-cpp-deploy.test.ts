import { describe, expect, it } from 'vitest';
import { defaultDeployConfig } from '../../electron/core/backends';
import { TINY_ANSWER } from '../../electron/engine/tiny-model/spec';
import { DeployResultSchema } from '../../electron/shared/contract/docker';
import { atPlannerMinimum, dockerSuite, freePort, inspect, REGISTRY, type TestCore, uniqueName } from './docker-helpers';

const PREFIX = 'it-llama';
const SERVED = 'bartowski/microsoft_Phi-4-mini-instruct-GGUF:Q4_K_M';
let t: TestCore;

dockerSuite(PREFIX, (core) => (t = core));

describe('llama.cpp server (stand-in: the ONNX engine behind llama-server’s command line)', () => {
  it('deploys the stand-in image named through the registry mirror, becomes healthy on /health, answers chat as a SLM Deck backend and serves llama.cpp metrics', async () => {
    const name = uniqueName('llama-chat');
    const port = await freePort();
    const done = await t.task('docker.deploy', atPlannerMinimum({ ...defaultDeployConfig('llama-cpp'), name, hostPort: port, contextLength: 1024, parallel: 2, cpus: 1 }));
    expect(done.error).toBeUndefined();
    const result = DeployResultSchema.parse(done.result);
    expect(result.deployment).toMatchObject({ name, backend: 'llama-cpp', state: 'running', health: 'healthy', model: SERVED });

    const c = await inspect(`slm-deck-${name}`);
    expect(c.Config.Image).toBe(`${REGISTRY}/ggml-org/llama.cpp:server`);
    expect(c.Config.Cmd).toEqual(['-hf', SERVED, '--alias', SERVED, '--jinja', '-c', '2048', '-np', '2', '--host', '0.0.0.0', '--port', '8080', '--metrics']);
    expect(c.Config.Env).toEqual(expect.arrayContaining(['LLAMA_CACHE=/root/.cache/llama.cpp']));
    expect(c.Mounts).toEqual([expect.objectContaining({ Type: 'volume', Name: 'slm-deck-llama-cache', Destination: '/root/.cache/llama.cpp' })]);
    expect(c.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });

    // A chat through SLM Deck, as the Playground sends it.
    const backendId = `docker:${name}`;
    expect((await t.call('chat.backends', {})).find((b) => b.id === backendId)).toMatchObject({ kind: 'openai', baseUrl: `http://127.0.0.1:${port}/v1`, model: SERVED });
    const conv = await t.call('chat.create', { backendId, params: { temperature: 0 } });
    const sent = await t.call('chat.send', { conversationId: conv.id, content: 'Hello! Who are you?' });
    await t.core.chat.settled(conv.id);
    const reply = (await t.call('chat.get', { id: conv.id })).messages.find((m) => m.id === sent.assistantMessageId)!;
    expect(reply).toMatchObject({ status: 'done', content: TINY_ANSWER });

    // The monitor's source: llama.cpp's names on /metrics, counting what was just generated.
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^llamacpp:tokens_predicted_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^llamacpp:requests_processing 0$/m);
  });
});
