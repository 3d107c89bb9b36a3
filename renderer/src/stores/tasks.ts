import { create } from 'zustand';
import type { TaskSnapshot } from '../../../electron/shared/contract/app';

interface TasksStore {
  tasks: Record<string, TaskSnapshot>;
  upsert(t: TaskSnapshot): void;
  replace(list: TaskSnapshot[]): void;
}

/** Seeded from tasks.list (so a reload sees running work), then kept current by task events. */
export const useTasks = create<TasksStore>((set) => ({
  tasks: {},
  upsert: (t) => set((s) => ({ tasks: { ...s.tasks, [t.id]: t } })),
  replace: (list) => set({ tasks: Object.fromEntries(list.map((t) => [t.id, t])) }),
}));

/** The task a component started, else the newest running task of this kind and title (after a reload). */
export function useTask(taskId: string | null, kind: string, title?: string): TaskSnapshot | undefined {
  return useTasks((s) => {
    if (taskId && s.tasks[taskId]) return s.tasks[taskId];
    return Object.values(s.tasks)
      .filter((t) => t.kind === kind && t.state === 'running' && (title === undefined || t.title === title))
      .sort((a, b) => b.startedAt - a.startedAt)[0];
  });
}
