/** JSON.parse for text that may be missing or malformed (labels, model output, error bodies): undefined instead of a throw. */
export function parseJsonOrUndefined(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
