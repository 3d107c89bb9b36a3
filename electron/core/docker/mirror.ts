import { DeckError } from '../../shared/errors';

export interface ImageRef {
  /** Registry host, or null for Docker Hub. */
  domain: string | null;
  /** Repository path, e.g. `vllm/vllm-openai` or `library/ubuntu`. */
  path: string;
  tag: string | null;
  digest: string | null;
}

const PATH_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;

/** Parses a Docker image reference the way the Docker CLI does (domain, path, tag, digest). */
export function parseImageRef(ref: string): ImageRef {
  const bad = () => new DeckError('invalid_input', `"${ref}" is not a valid image reference.`, 'Use a name like ollama/ollama:latest or registry.example.com/team/image:tag.');
  let rest = ref.trim();
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^[a-z0-9]+:[a-f0-9]{32,}$/.test(digest)) throw bad();
  }
  let domain: string | null = null;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      domain = first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw bad();
  }
  if (!PATH_RE.test(rest)) throw bad();
  if (domain === 'docker.io' || domain === 'index.docker.io') domain = null;
  if (domain === null && !rest.includes('/')) rest = `library/${rest}`;
  return { domain, path: rest, tag, digest };
}

export function formatImageRef(r: ImageRef): string {
  const name = r.domain ? `${r.domain}/${r.path}` : r.path.replace(/^library\//, '');
  if (r.digest) return `${name}${r.tag ? `:${r.tag}` : ''}@${r.digest}`;
  return `${name}:${r.tag ?? 'latest'}`;
}

/**
 * Rewrites an image reference to go through the registry mirror setting:
 * `vllm/vllm-openai:latest` with `localhost:5000` -> `localhost:5000/vllm/vllm-openai:latest`;
 * `ollama/ollama` -> `localhost:5000/ollama/ollama:latest`. The original registry host is
 * dropped (mirrors serve the same paths). With no mirror the reference is only normalised.
 */
export function mirrorImage(ref: string, mirror: string): string {
  const m = mirror.trim().replace(/\/+$/, '');
  const r = parseImageRef(ref);
  if (!m) return formatImageRef(r);
  if (ref.startsWith(`${m}/`)) return formatImageRef(r);
  // Official Docker Hub images keep their implicit `library/` prefix, as pull-through mirrors expect.
  const name = `${m}/${r.path}`;
  if (r.digest) return `${name}${r.tag ? `:${r.tag}` : ''}@${r.digest}`;
  return `${name}:${r.tag ?? 'latest'}`;
}
