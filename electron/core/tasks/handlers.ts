import type { DomainHandlers } from '../rpc/handlers';
import type { TaskRegistry } from './task-registry';

export function tasksHandlers(tasks: TaskRegistry): DomainHandlers<'tasks'> {
  return {
    'tasks.list': () => tasks.list(),
    'tasks.cancel': ({ taskId }) => ({ cancelled: tasks.cancel(taskId) }),
  };
}
