/**
 * The engine process for test/bench/chat-*.ts: the real engine and server with the tiny demo
 * model, except that every request ignores EOS (vLLM's ignore_eos) and runs to max_tokens, so
 * replies are long enough to time. Prints ENGINE_READY port=P like the real entry point.
 */
import path from 'node:path';
import { Engine } from '../../electron/engine/engine';
import { startEngineServer } from '../../electron/engine/server';
import { TINY_MODEL_ID } from '../../electron/engine/tiny-model/spec';
import { ROOT } from '../helpers/serve';

// One ORT thread: the tiny model gains nothing from two, and the browser being measured needs the other core.
const engine = await Engine.load({ modelDir: path.join(ROOT, 'resources', 'models', TINY_MODEL_ID), intraOpThreads: 1 });
const chat = engine.chat.bind(engine);
engine.chat = (req, onEvent) => chat({ ...req, ignoreEos: true }, onEvent);
const server = await startEngineServer(engine, { host: '127.0.0.1', port: 0 });
process.stdout.write(`ENGINE_READY port=${server.port}\n`);
process.on('SIGTERM', () => void server.close().then(() => engine.dispose()).then(() => process.exit(0)));
