export * from './ast';
export { normaliseNewlines } from './text';
export { parseModelfile, positioner, instructionExample } from './parse';
export { renderModelfile, renderNode, quoteValue, UnrepresentableValueError } from './render';
export { PARAMS, COMMON_PARAMS, DEPRECATED_PARAMS, checkParam, typedParameters, type ParamSpec, type ParamValue } from './params';
export { analyzeModelfile, validateModelfile, checkTemplate, isModelName, looksLikePath, type ModelfileAnalysis } from './validate';
export { summarize, toCreateRequest, type OllamaCreateRequest, type ModelfileSummary, type LocalBlobs } from './to-request';
export { readForm, applyForm, type VariantForm } from './form';
