/**
 * Links leave the app only through the system browser. Documentation the app itself points
 * to opens directly; any other web link (a deployment's URL, a link in a model's answer)
 * opens only after the user confirms its host; everything else (file:, javascript:, custom
 * schemes) never opens.
 */
export const TRUSTED_LINK_HOSTS = [
  'huggingface.co',
  'hf.co',
  'docs.docker.com',
  'docs.vllm.ai',
  'ollama.com',
  'docs.ollama.com',
  'onnxruntime.ai',
  'github.com',
] as const;

/** GitHub hosts anything: only the backends' own repositories are trusted there. */
const TRUSTED_GITHUB = ['/vllm-project/', '/ollama/', '/microsoft/onnxruntime', '/ggml-org/llama.cpp', '/docker/'];

export type LinkDecision = { action: 'open'; url: string } | { action: 'confirm'; url: string; host: string } | { action: 'refuse' };

export function linkPolicy(raw: string): LinkDecision {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { action: 'refuse' };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return { action: 'refuse' };
  // The host as the URL parser sees it: credentials before "@" and look-alike Unicode (shown as xn--) do not fool it.
  const host = u.hostname;
  const trustedHost = TRUSTED_LINK_HOSTS.some((h) => host === h || host.endsWith(`.${h}`));
  const trusted = u.protocol === 'https:' && !u.username && !u.password && trustedHost && (host !== 'github.com' || TRUSTED_GITHUB.some((p) => u.pathname.startsWith(p)));
  return trusted ? { action: 'open', url: u.href } : { action: 'confirm', url: u.href, host: u.port ? `${host}:${u.port}` : host };
}

export interface LinkOpener {
  openExternal(url: string): Promise<void>;
  /** Asks the user; resolves true to open. */
  confirm(decision: { url: string; host: string }): Promise<boolean>;
}

/** Applies the policy: open, ask first, or drop. Returns what happened (for the log and tests). */
export async function openLink(raw: string, o: LinkOpener): Promise<'opened' | 'declined' | 'refused'> {
  const d = linkPolicy(raw);
  if (d.action === 'refuse') return 'refused';
  if (d.action === 'confirm' && !(await o.confirm(d))) return 'declined';
  await o.openExternal(d.url);
  return 'opened';
}
