/** Public API of the ONNX Runtime engine, for the app (embedded mode), the CLI and tests. */
export {
  Engine,
  type ChatFinishReason,
  type ChatMessage,
  type ChatRequest,
  type ChatResult,
  type EngineOptions,
  type EngineStats,
  type GenerateOptions,
} from './engine';
export type { ChatEvent } from './chat-output';
export type { ToolCall, ToolDefinition } from './tool-calls';
export { startEngineServer, createEngineHandler, type EngineServer, type EngineServerOptions } from './server';
export { spawnEngine, defaultEngineEntry, engineArgs, parseReadyLine, parseErrorLine, type EngineProcess, type SpawnEngineOptions } from './spawn-engine';
export { loadModel, type LoadedModel, type LoadOptions } from './model-loader';
export { parseGenaiConfig, type ModelSpec } from './genai-config';
export { QueueFullError } from './request-queue';
export { generateTinyModel, TINY_MODEL_FILES } from './tiny-model/generate';
export { TINY_ANSWER, TINY_DEMO_MESSAGES, TINY_MODEL_ID, TINY_TOOL_CALL } from './tiny-model/spec';
