import { useTasks } from '../../../stores/tasks';
import type { TaskSnapshot } from '../../../../../electron/shared/contract/app';

/** The task this component started, else the newest running task of this kind and title (after a reload). */
export function useTask(taskId: string | null, kind: string, title?: string): TaskSnapshot | undefined {
  return useTasks((s) => {
    if (taskId && s.tasks[taskId]) return s.tasks[taskId];
    return Object.values(s.tasks)
      .filter((t) => t.kind === kind && t.state === 'running' && (title === undefined || t.title === title))
      .sort((a, b) => b.startedAt - a.startedAt)[0];
  });
}
