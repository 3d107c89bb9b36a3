/**
 * Every container, volume and network SLM Deck creates carries these labels; the app lists
 * and touches only objects with `dev.slmdeck.managed=true`.
 */
export const LABEL = {
  managed: 'dev.slmdeck.managed',
  deployment: 'dev.slmdeck.deployment',
  backend: 'dev.slmdeck.backend',
  role: 'dev.slmdeck.role',
  model: 'dev.slmdeck.model',
  /** The DeployInput (JSON) the deployment was made from, so it can be shown, exported and re-created. */
  request: 'dev.slmdeck.request',
  /** The Endpoint (JSON) of a server container. */
  endpoint: 'dev.slmdeck.endpoint',
  version: 'dev.slmdeck.version',
} as const;

export const MANAGED_FILTER = `${LABEL.managed}=true`;

export function containerName(deployment: string, role: 'server' | 'webui'): string {
  return role === 'server' ? `slm-deck-${deployment}` : `slm-deck-${deployment}-webui`;
}
