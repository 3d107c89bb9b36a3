import { z } from 'zod';
import presetsJson from '../../../resources/presets/chat-presets.json';
import { PresetSchema, type Preset } from '../../shared/contract/chat';
import { DeckError } from '../../shared/errors';

/** The seed's test prompts are data (resources/presets/chat-presets.json), bundled at build time. */
export function loadPresets(raw: unknown = presetsJson): Preset[] {
  const parsed = z.object({ presets: z.array(PresetSchema) }).safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new DeckError('internal', `The chat presets are invalid: ${i?.path.join('.')}: ${i?.message}`, 'Fix resources/presets/chat-presets.json.');
  }
  return parsed.data.presets;
}
