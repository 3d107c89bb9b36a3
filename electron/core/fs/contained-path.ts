import path from 'node:path';
import { DeckError } from '../../shared/errors';

/** One path segment chosen by a user or read from a file (an id, a name): no separators, never `.` or `..`. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.+@-]{0,199}$/;

export function isSafeSegment(s: string): boolean {
  return SEGMENT.test(s);
}

/**
 * `root/segments...`, refused with invalid_input unless every segment is a plain name and the
 * result stays inside root. Every store builds user-influenced paths through this.
 */
export function containedPath(root: string, ...segments: string[]): string {
  const bad = segments.find((s) => !isSafeSegment(s));
  if (bad !== undefined || segments.length === 0) {
    throw new DeckError('invalid_input', `"${segments.join('/')}" is not a valid name here.`, 'Use letters, digits, "-", "_" and "." (not at the start).');
  }
  const base = path.resolve(root);
  const full = path.resolve(base, ...segments);
  if (!full.startsWith(base + path.sep)) {
    throw new DeckError('invalid_input', `"${segments.join('/')}" points outside ${base}.`);
  }
  return full;
}
