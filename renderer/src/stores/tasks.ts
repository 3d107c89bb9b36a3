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
