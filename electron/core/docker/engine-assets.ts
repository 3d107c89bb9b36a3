import type { TaskContext } from '../tasks/task-registry';

/**
 * What an onnx-engine deployment needs besides Docker, provided by the engine host so the
 * deploy is one click: the model folder (the demo model, or the store's download, fetched
 * first when missing) and the engine image (built first when missing).
 */
export interface EngineAssets {
  /** The folder of a model id (`slm-deck-tiny-demo`, or a store id such as `phi-4-mini-instruct/onnx-cpu-int4`); null when unknown. */
  modelFolder(id: string, task: TaskContext): Promise<{ dir: string; demo: boolean; downloaded: boolean } | null>;
  /** Builds the engine image when it is missing; true when it was built now. */
  ensureImage(task: TaskContext): Promise<boolean>;
}
