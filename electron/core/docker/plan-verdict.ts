import type { Plan, PlanInput } from '../../shared/contract/hardware';
import type { VerdictFn } from './docker-service';

/**
 * The planner's verdict for a deploy request: the fit row of the same backend and model
 * form at the same context and parallelism. Unknown models (a custom folder, a repo the
 * catalog does not list) get no verdict rather than a guess.
 */
export function verdictFromPlan(plan: (input: PlanInput) => Promise<Plan> | Plan): VerdictFn {
  return async (req) => {
    const modelId = req.model.split('/')[0];
    let p: Plan;
    try {
      p = await plan({ model: modelId, context: req.contextLength, parallel: Math.min(req.parallel, 64) });
    } catch {
      return null;
    }
    const row = p.rows.find((r) => r.backend === req.backend && r.model === req.model);
    if (!row) return null;
    return { verdict: row.verdict, reason: row.reason, ...(row.hint ? { hint: row.hint } : {}) };
  };
}
