/**
 * The llama.cpp stand-in image's program (test/services/up.sh bundles it onto node-base):
 * takes llama-server's command line, serves SLM Deck's ONNX engine with the repo's demo model
 * under the --alias (else the -hf) name, and answers like llama-server on --host:--port:
 * /health, /v1/models, /v1/chat/completions (streaming too) from the engine, /metrics with
 * llama.cpp's names (only with --metrics, as llama-server). Nothing is downloaded: -hf is
 * only printed.
 */
import http from 'node:http';
import { Engine } from '../../../electron/engine/engine';
import { startEngineServer } from '../../../electron/engine/server';
import { LlamaServerArgError, parseLlamaServerArgs, toLlamaCppMetrics } from './llama-server';

const MODEL_DIR = process.env.SLM_STAND_IN_MODEL_DIR ?? '/demo';

async function main(): Promise<void> {
  let args;
  try {
    args = parseLlamaServerArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof LlamaServerArgError)) throw e;
    console.error(e.message);
    process.exit(1);
  }
  const id = args.alias ?? args.hf ?? 'model';
  console.log(`stand-in llama.cpp: SLM Deck ONNX engine with the demo model as "${id}"; -hf ${args.hf ?? '-'} not downloaded; ${args.parallel} slot(s), ${args.ctx} tokens in all; args: ${process.argv.slice(2).join(' ')}`);
  const engine = await Engine.load({ modelDir: MODEL_DIR, modelId: id, concurrency: args.parallel, maxQueue: 64 });
  const inner = await startEngineServer(engine, { host: '127.0.0.1', port: 0 });

  const server = http.createServer((req, res) => {
    if (req.url === '/metrics' && args.metrics) {
      fetch(`${inner.url}/metrics`)
        .then(async (r) => {
          res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
          res.end(toLlamaCppMetrics(await r.text()));
        })
        .catch(() => res.writeHead(500).end());
      return;
    }
    if (req.url === '/metrics') {
      res.writeHead(501, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 501, message: 'This server does not support metrics endpoint. Start it with `--metrics`', type: 'not_supported_error' } }));
      return;
    }
    // Everything else is the engine's OpenAI API, passed through as it streams.
    const up = http.request({ host: '127.0.0.1', port: inner.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(up);
  });
  server.listen(args.port, args.host, () => console.log(`main: server is listening on http://${args.host}:${args.port}`));
  const stop = () => {
    server.close();
    void inner.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
