import { z } from 'zod';
import factsJson from '../../../resources/catalog/backend-comparison.json';
import { BenchFamilySchema } from '../../shared/contract/bench';
import { DeckError } from '../../shared/errors';

const FactSchema = z.object({ text: z.string(), note: z.string().optional() });
const RowKeySchema = z.enum(['setup', 'gpuTps', 'cpuTps', 'memory', 'api', 'toolCalling', 'quantisation', 'production', 'edge']);
export type FactRowKey = z.infer<typeof RowKeySchema>;

export const FactsSchema = z.object({
  source: z.string(),
  rows: z.array(z.object({ key: RowKeySchema, label: z.string(), kind: z.enum(['measured', 'fact']) })),
  families: z.record(BenchFamilySchema, z.object({ label: z.string(), values: z.record(RowKeySchema, FactSchema) })),
});
export type Facts = z.infer<typeof FactsSchema>;

/** The seed's comparison table as data (resources/catalog/backend-comparison.json), bundled at build time. */
export function loadFacts(raw: unknown = factsJson): Facts {
  const parsed = FactsSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new DeckError('internal', `The backend comparison facts are invalid: ${i?.path.join('.')}: ${i?.message}`, 'Fix resources/catalog/backend-comparison.json.');
  }
  return parsed.data;
}
