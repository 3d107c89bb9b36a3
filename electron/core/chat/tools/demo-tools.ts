import { z } from 'zod';
import type { ToolCall, ToolName } from '../../../shared/contract/chat';
import { isDeckError } from '../../../shared/errors';
import { INVALID_ARGS } from '../protocols/openai-client';
import type { ToolSpec } from '../protocols/types';
import { evaluate } from './arithmetic';

interface DemoTool {
  spec: ToolSpec & { name: ToolName };
  args: z.ZodType;
  run(args: never, now: Date): unknown;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** The demo tools run in the main process; each validates its arguments with zod first. */
const TOOLS: Record<ToolName, DemoTool> = {
  calculate_circle_area: {
    spec: {
      name: 'calculate_circle_area',
      description: 'Calculate the area of a circle given its radius',
      parameters: {
        type: 'object',
        properties: { radius: { type: 'number', description: 'The radius of the circle' } },
        required: ['radius'],
      },
    },
    // Models sometimes send numbers as strings ("5"); accept those, reject the rest.
    args: z.object({ radius: z.coerce.number().finite().nonnegative() }),
    run: ({ radius }: { radius: number }) => ({ radius, area: round(Math.PI * radius * radius) }),
  },
  calculate: {
    spec: {
      name: 'calculate',
      description: 'Evaluate an arithmetic expression: + - * / % ^, parentheses, pi, e, sqrt, abs, round, ln, sin, cos, tan, exp',
      parameters: {
        type: 'object',
        properties: { expression: { type: 'string', description: 'For example "(5000 * 1.06^3) - 5000"' } },
        required: ['expression'],
      },
    },
    args: z.object({ expression: z.string().min(1).max(500) }),
    run: ({ expression }: { expression: string }) => ({ expression, result: round(evaluate(expression)) }),
  },
  get_current_time: {
    spec: {
      name: 'get_current_time',
      description: 'The current date and time, optionally in an IANA time zone such as "Europe/Berlin"',
      parameters: {
        type: 'object',
        properties: { timezone: { type: 'string', description: 'IANA time zone; default: this computer’s' } },
      },
    },
    args: z.object({ timezone: z.string().max(64).optional() }),
    run: ({ timezone }: { timezone?: string }, now: Date) => {
      const tz = timezone || Intl.DateTimeFormat().resolvedOptions().timeZone;
      let local: string;
      try {
        local = new Intl.DateTimeFormat('en-GB', { timeZone: tz, dateStyle: 'full', timeStyle: 'long' }).format(now);
      } catch {
        throw new Error(`Unknown time zone "${tz}".`);
      }
      return { iso: now.toISOString(), timezone: tz, local };
    },
  },
};

export function toolSpecs(names: readonly ToolName[]): ToolSpec[] {
  return names.map((n) => TOOLS[n].spec);
}

export function allTools(): (ToolSpec & { name: ToolName })[] {
  return Object.values(TOOLS).map((t) => t.spec);
}

export interface ToolResult {
  ok: boolean;
  /** JSON text fed back to the model and shown in the transcript. */
  content: string;
}

/** Runs one call the model made. Failures become results the model can read, never exceptions. */
export function runTool(call: ToolCall, enabled: readonly ToolName[], now = new Date()): ToolResult {
  const fail = (error: string): ToolResult => ({ ok: false, content: JSON.stringify({ error }) });
  if (!(enabled as readonly string[]).includes(call.name)) {
    return fail(`Unknown tool "${call.name}". Available: ${enabled.join(', ') || 'none'}.`);
  }
  const tool = TOOLS[call.name as ToolName];
  const raw = call.arguments[INVALID_ARGS];
  if (typeof raw === 'string') return fail(`The arguments were not valid JSON: ${raw.slice(0, 200)}`);
  const args = tool.args.safeParse(call.arguments);
  if (!args.success) {
    return fail(`Invalid arguments: ${args.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}`);
  }
  try {
    return { ok: true, content: JSON.stringify(tool.run(args.data as never, now)) };
  } catch (e) {
    return fail(isDeckError(e) || e instanceof Error ? e.message : String(e));
  }
}
