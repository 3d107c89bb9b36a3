export interface Frame {
  content: string;
  reasoning: string;
}

/**
 * Collects streamed text into frames for the UI: the first piece goes out at once (so the
 * time to first token is not delayed), later pieces at most once per `frameMs`, and
 * `flush()` sends the rest immediately when the stream ends.
 */
export class DeltaBatcher {
  private content = '';
  private reasoning = '';
  private timer: NodeJS.Timeout | undefined;
  private lastEmit = -Infinity;
  private open: boolean;

  /** Nothing is sent before `gate` resolves (the message must be announced first). */
  constructor(
    private emit: (f: Frame) => void,
    private frameMs = 50,
    private now: () => number = () => performance.now(),
    gate?: Promise<void>,
  ) {
    this.open = !gate;
    void gate?.then(() => {
      this.open = true;
      this.flush();
    });
  }

  push(kind: 'content' | 'reasoning', text: string): void {
    if (!text) return;
    if (kind === 'content') this.content += text;
    else this.reasoning += text;
    if (this.timer || !this.open) return;
    const wait = this.frameMs - (this.now() - this.lastEmit);
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    if (!this.open) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.content && !this.reasoning) return;
    const frame = { content: this.content, reasoning: this.reasoning };
    this.content = '';
    this.reasoning = '';
    this.lastEmit = this.now();
    this.emit(frame);
  }
}
