import { useNavigation } from '../../stores/navigation';
import { usePlaygroundDraft } from '../../stores/playground-draft';

/** Opens the Playground with the settings' Ollama backend and this model preselected. */
export function tryInPlayground(model: string): void {
  usePlaygroundDraft.getState().set({ backend: 'ollama', model });
  useNavigation.getState().go('playground');
}
