import { instructionNodes, type MessageRole, type ModelfileNode } from './ast';
import { typedParameters, type ParamValue } from './params';

/**
 * Since Ollama 0.5.5, POST /api/create ignores a `modelfile` string: the client parses the
 * Modelfile and sends these fields (api.CreateRequest). Local files (a GGUF in FROM, an
 * ADAPTER) go as `files` / `adapters` maps of file name to the sha256 digest of a blob
 * uploaded beforehand with POST /api/blobs/:digest.
 */
export interface OllamaCreateRequest {
  model: string;
  from?: string;
  files?: Record<string, string>;
  adapters?: Record<string, string>;
  template?: string;
  system?: string;
  license?: string[];
  parameters?: Record<string, ParamValue | string[]>;
  messages?: Array<{ role: MessageRole; content: string }>;
  requires?: string;
  renderer?: string;
  parser?: string;
  quantize?: string;
  stream?: boolean;
}

/** What a Modelfile says, with Ollama's "last one wins" for single-valued instructions. */
export interface ModelfileSummary {
  from?: string;
  system?: string;
  template?: string;
  licenses: string[];
  messages: Array<{ role: MessageRole; content: string }>;
  adapters: string[];
  /** (name, raw value) in file order, repeats included. */
  parameters: Array<[string, string]>;
  requires?: string;
  renderer?: string;
  parser?: string;
}

export function summarize(nodes: readonly ModelfileNode[]): ModelfileSummary {
  const s: ModelfileSummary = { licenses: [], messages: [], adapters: [], parameters: [] };
  for (const n of instructionNodes(nodes)) {
    switch (n.instruction) {
      case 'FROM':
        s.from = n.value;
        break;
      case 'SYSTEM':
        s.system = n.value;
        break;
      case 'TEMPLATE':
        s.template = n.value;
        break;
      case 'LICENSE':
        s.licenses.push(n.value);
        break;
      case 'MESSAGE':
        s.messages.push({ role: n.role ?? 'user', content: n.value });
        break;
      case 'ADAPTER':
        s.adapters.push(n.value);
        break;
      case 'PARAMETER':
        s.parameters.push([n.name ?? '', n.value]);
        break;
      case 'REQUIRES':
        s.requires = n.value.replace(/^v/, '');
        break;
      case 'RENDERER':
        s.renderer = n.value;
        break;
      case 'PARSER':
        s.parser = n.value;
        break;
    }
  }
  return s;
}

export interface LocalBlobs {
  /** FROM a local file: file name -> sha256 digest. When set, `from` is omitted. */
  files?: Record<string, string>;
  adapters?: Record<string, string>;
}

/** Maps a (validated) Modelfile to the structured create request. */
export function toCreateRequest(
  nodes: readonly ModelfileNode[],
  model: string,
  blobs: LocalBlobs = {},
  opts: { quantize?: string; stream?: boolean } = {},
): OllamaCreateRequest {
  const s = summarize(nodes);
  const req: OllamaCreateRequest = { model };
  if (blobs.files && Object.keys(blobs.files).length) req.files = blobs.files;
  else if (s.from) req.from = s.from;
  if (blobs.adapters && Object.keys(blobs.adapters).length) req.adapters = blobs.adapters;
  if (s.template !== undefined) req.template = s.template;
  if (s.system !== undefined) req.system = s.system;
  if (s.licenses.length) req.license = s.licenses;
  const params = typedParameters(s.parameters);
  if (Object.keys(params).length) req.parameters = params;
  if (s.messages.length) req.messages = s.messages;
  if (s.requires) req.requires = s.requires;
  if (s.renderer) req.renderer = s.renderer;
  if (s.parser) req.parser = s.parser;
  if (opts.quantize) req.quantize = opts.quantize;
  if (opts.stream !== undefined) req.stream = opts.stream;
  return req;
}
