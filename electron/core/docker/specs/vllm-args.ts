import type { DeployRequest } from '../../../shared/contract/docker';
import type { VllmOptions } from '../../../shared/contract/deploy-config';
import { DeckError } from '../../../shared/errors';
import type { ResolvedModel } from '../model-ref';

export const VLLM_PORT = 8000;
/** Phi-4-mini's tool-call format in vLLM; its streaming extraction returns nothing, so tool turns use stream: false. */
export const PHI4_TOOL_PARSER = 'phi4_mini_json';

/** vLLM options with the app's defaults: tool calling on (the seed's production run) unless the request says otherwise. */
export function vllmOptions(req: DeployRequest): VllmOptions {
  return req.vllm ?? { gpuMemoryUtilization: 0.8, toolCalling: true };
}

/**
 * The `vllm serve` arguments, with the seed's corrections: auto tool choice always comes
 * with a parser (vLLM refuses it alone), and AWQ only with an AWQ checkpoint (the
 * unquantised repo fails with "Cannot find the config file for awq").
 */
export function vllmArgs(req: DeployRequest, model: ResolvedModel, device: 'gpu' | 'cpu', warnings: string[]): string[] {
  const o = vllmOptions(req);
  const args = [
    '--model', model.served,
    '--host', '0.0.0.0',
    '--port', String(VLLM_PORT),
    '--max-model-len', String(req.contextLength),
    '--max-num-seqs', String(req.parallel),
  ];
  if (device === 'gpu') args.push('--gpu-memory-utilization', String(o.gpuMemoryUtilization));
  if (model.trustRemoteCode) args.push('--trust-remote-code');
  const parser = o.toolCallParser || model.toolCallParser;
  if (o.toolCalling && parser) {
    args.push('--enable-auto-tool-choice', '--tool-call-parser', parser);
  } else if (o.toolCalling) {
    warnings.push(`No tool-call parser is known for ${model.served}, so tool calling stays off (vLLM refuses --enable-auto-tool-choice without one).`);
  } else if (o.toolCallParser) {
    warnings.push(`Tool calling is off, so the tool-call parser "${o.toolCallParser}" is not passed.`);
  }
  if (o.dtype) args.push('--dtype', o.dtype);
  if (o.quantization) {
    if (o.quantization.toLowerCase() === 'awq' && !model.awqCheckpoint) {
      throw new DeckError(
        'invalid_input',
        `AWQ quantisation needs an AWQ checkpoint; ${model.served} is not one (vLLM would fail with "Cannot find the config file for awq").`,
        'Leave quantisation empty for the bf16 checkpoint, or choose a model whose repository holds AWQ weights.',
      );
    }
    args.push('--quantization', o.quantization);
  }
  return args;
}
