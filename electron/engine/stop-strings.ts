/**
 * Stop strings over a text stream. Text that could be the start of a stop string is held back
 * until it is ruled out, so a client never sees part of a stop string (OpenAI semantics: the stop
 * string itself is not returned).
 */
export class StopStringMatcher {
  private held = '';
  private readonly stops: string[];

  constructor(stops: readonly string[]) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  /** Feeds a delta; returns the text that is safe to emit and whether a stop string matched. */
  push(delta: string): { text: string; stopped: boolean } {
    const buf = this.held + delta;
    if (this.stops.length === 0) return { text: buf, stopped: false };
    let cut = -1;
    for (const s of this.stops) {
      const i = buf.indexOf(s);
      if (i !== -1 && (cut === -1 || i < cut)) cut = i;
    }
    if (cut !== -1) {
      this.held = '';
      return { text: buf.slice(0, cut), stopped: true };
    }
    const hold = this.partialSuffix(buf);
    this.held = buf.slice(buf.length - hold);
    return { text: buf.slice(0, buf.length - hold), stopped: false };
  }

  /** Text held back when the stream ends without a match. */
  flush(): string {
    const t = this.held;
    this.held = '';
    return t;
  }

  /** Length of the longest suffix of `buf` that is a proper prefix of some stop string. */
  private partialSuffix(buf: string): number {
    let best = 0;
    const last = buf.charCodeAt(buf.length - 1);
    for (const s of this.stops) {
      for (let len = Math.min(s.length - 1, buf.length); len > best; len--) {
        // Cheap last-character test first: this runs for every generated token.
        if (s.charCodeAt(len - 1) === last && buf.endsWith(s.slice(0, len))) {
          best = len;
          break;
        }
      }
    }
    return best;
  }
}
