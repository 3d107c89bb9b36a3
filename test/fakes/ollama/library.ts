import { createHash } from 'node:crypto';

/**
 * What the fake's "registry" can pull. Sizes, families and context lengths follow the public
 * ollama.com library pages for these tags; no weights are transferred, only the progress a
 * real pull reports. Templates and license texts are short stand-ins of our own.
 */

export interface Layer {
  mediaType: string;
  digest: string;
  size: number;
}

export interface ModelDetails {
  parent_model: string;
  format: string;
  family: string;
  families: string[];
  parameter_size: string;
  quantization_level: string;
}

export interface ModelRecord {
  /** Display name, e.g. `phi4-mini:latest`. */
  name: string;
  layers: Layer[];
  details: ModelDetails;
  template: string;
  system: string;
  license: string[];
  parameters: Record<string, unknown>;
  messages: Array<{ role: string; content: string }>;
  capabilities: string[];
  modelInfo: Record<string, unknown>;
  modifiedAt: Date;
  requires?: string;
}

export const sha = (label: string) => createHash('sha256').update(label).digest('hex');
const digest = (label: string) => `sha256:${sha(label)}`;

const PHI4_TEMPLATE = `{{- if or .System .Tools }}<|system|>{{ if .System }}{{ .System }}{{ end }}
{{- if .Tools }}<|tool|>{{ range .Tools }}{{ . }}{{ end }}<|/tool|>{{ end }}<|end|>
{{- end }}
{{- range .Messages }}<|{{ .Role }}|>{{ .Content }}<|end|>
{{- end }}<|assistant|>`;

const PHI4_LICENSE = 'MIT License\n\nCopyright (c) Microsoft Corporation.';

function phi4(quant: 'Q4_K_M' | 'Q8_0' | 'F16', modelBytes: number, fileType: number): Omit<ModelRecord, 'name' | 'modifiedAt'> {
  const template = PHI4_TEMPLATE;
  const params = { stop: ['<|end|>', '<|user|>', '<|assistant|>'] };
  return {
    layers: [
      { mediaType: 'application/vnd.ollama.image.model', digest: digest(`phi4-mini-${quant}-weights`), size: modelBytes },
      { mediaType: 'application/vnd.ollama.image.template', digest: digest(template), size: template.length },
      { mediaType: 'application/vnd.ollama.image.license', digest: digest(PHI4_LICENSE), size: PHI4_LICENSE.length },
      { mediaType: 'application/vnd.ollama.image.params', digest: digest(JSON.stringify(params)), size: JSON.stringify(params).length },
    ],
    details: { parent_model: '', format: 'gguf', family: 'phi3', families: ['phi3'], parameter_size: '3.8B', quantization_level: quant },
    template,
    system: '',
    license: [PHI4_LICENSE],
    parameters: params,
    messages: [],
    capabilities: ['completion', 'tools'],
    modelInfo: {
      'general.architecture': 'phi3',
      'general.file_type': fileType,
      'general.parameter_count': 3836021856,
      'general.quantization_version': 2,
      'phi3.attention.head_count': 24,
      'phi3.attention.head_count_kv': 8,
      'phi3.block_count': 32,
      'phi3.context_length': 131072,
      'phi3.embedding_length': 3072,
      'phi3.feed_forward_length': 8192,
      'tokenizer.ggml.model': 'gpt2',
      'tokenizer.ggml.tokens': [],
    },
  };
}

const QWEN3_TEMPLATE = `{{- range .Messages }}<|im_start|>{{ .Role }}
{{ .Content }}<|im_end|>
{{ end }}<|im_start|>assistant
{{ if .Think }}<think>{{ end }}`;

const qwen3: Omit<ModelRecord, 'name' | 'modifiedAt'> = {
  layers: [
    { mediaType: 'application/vnd.ollama.image.model', digest: digest('qwen3-0.6b-weights'), size: 522_653_767 },
    { mediaType: 'application/vnd.ollama.image.template', digest: digest(QWEN3_TEMPLATE), size: QWEN3_TEMPLATE.length },
  ],
  details: { parent_model: '', format: 'gguf', family: 'qwen3', families: ['qwen3'], parameter_size: '751.63M', quantization_level: 'Q4_K_M' },
  template: QWEN3_TEMPLATE,
  system: '',
  license: [],
  parameters: { temperature: 0.6, top_k: 20, top_p: 0.95 },
  messages: [],
  capabilities: ['completion', 'tools', 'thinking'],
  modelInfo: { 'general.architecture': 'qwen3', 'general.parameter_count': 751632384, 'qwen3.context_length': 40960 },
};

type Manifest = Omit<ModelRecord, 'name' | 'modifiedAt'>;

const PHI4_Q4 = phi4('Q4_K_M', 2_491_874_816, 15);
const PHI4_Q8 = phi4('Q8_0', 4_082_018_688, 7);
const PHI4_F16 = phi4('F16', 7_685_070_240, 1);

/** Tag -> manifest. Aliases share a manifest, as `latest` and `3.8b` do on ollama.com. */
export const LIBRARY: Record<string, Manifest> = {
  'phi4-mini:latest': PHI4_Q4,
  'phi4-mini:3.8b': PHI4_Q4,
  'phi4-mini:3.8b-q4_k_m': PHI4_Q4,
  'phi4-mini:3.8b-q8_0': PHI4_Q8,
  'phi4-mini:3.8b-fp16': PHI4_F16,
  'qwen3:0.6b': qwen3,
};

export function totalSize(m: Pick<ModelRecord, 'layers'>): number {
  return m.layers.reduce((a, l) => a + l.size, 0);
}

export function manifestDigest(m: Pick<ModelRecord, 'layers'>): string {
  return sha(m.layers.map((l) => l.digest).join(','));
}
