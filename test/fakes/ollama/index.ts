export { OllamaFake, startOllamaFake, type FakeOptions, type PullTrouble, type RequestRecord } from './server';
export type { ScriptedReply, InferenceRecord } from './chat';
export { LIBRARY, type ModelRecord } from './library';
