const OPEN = '<think>';
const CLOSE = '</think>';

export interface Split {
  content: string;
  reasoning: string;
}

/**
 * Separates `<think>...</think>` segments from the answer in streamed text. A tag may be
 * cut across chunks, so a trailing prefix of a tag is held back until the next chunk.
 */
export class ThinkSplitter {
  private inThink = false;
  private held = '';

  push(chunk: string): Split {
    let text = this.held + chunk;
    this.held = '';
    const out: Split = { content: '', reasoning: '' };
    while (text.length) {
      const tag = this.inThink ? CLOSE : OPEN;
      const at = text.indexOf(tag);
      if (at >= 0) {
        this.emit(out, text.slice(0, at));
        text = text.slice(at + tag.length);
        this.inThink = !this.inThink;
        continue;
      }
      const keep = partialTagSuffix(text, tag);
      this.emit(out, text.slice(0, text.length - keep));
      this.held = text.slice(text.length - keep);
      break;
    }
    return out;
  }

  /** End of stream: whatever was held back is plain text after all. */
  flush(): Split {
    const out: Split = { content: '', reasoning: '' };
    this.emit(out, this.held);
    this.held = '';
    return out;
  }

  private emit(out: Split, s: string): void {
    if (!s) return;
    if (this.inThink) out.reasoning += s;
    else out.content += s;
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialTagSuffix(text: string, tag: string): number {
  const max = Math.min(tag.length - 1, text.length);
  for (let n = max; n > 0; n--) if (tag.startsWith(text.slice(text.length - n))) return n;
  return 0;
}
