/** Whether a listed model is the one asked for: Ollama lists `phi4-mini` as `phi4-mini:latest`. */
export function sameModelName(listed: string, wanted: string): boolean {
  const norm = (n: string) => (n.includes(':') ? n : `${n}:latest`).toLowerCase();
  return norm(listed) === norm(wanted);
}
