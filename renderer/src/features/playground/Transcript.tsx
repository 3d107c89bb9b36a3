import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { ChatMessage } from '../../../../electron/shared/contract/chat';
import { MessageView } from './MessageView';

const ESTIMATE_PX = 160;
const OVERSCAN_PX = 800;
const BOTTOM_SLACK_PX = 40;

/**
 * The message list. Long conversations are virtualised: only messages near the viewport are
 * rendered, with spacers standing in for the rest (heights measured once seen, estimated
 * before). It sticks to the bottom while a reply streams, until the user scrolls up.
 */
export function Transcript({ messages, label }: { messages: ChatMessage[]; label: string }) {
  const scroller = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>());
  const [measureTick, setMeasureTick] = useState(0);
  const [view, setView] = useState({ top: 0, height: 800 });
  const [stuck, setStuck] = useState(true);
  const stuckRef = useRef(true);
  const lastTop = useRef(0);

  const setStick = (v: boolean) => {
    stuckRef.current = v;
    setStuck(v);
  };

  // Offsets of each message from the measured (or estimated) heights.
  const offsets = useMemo(() => {
    void measureTick;
    const out = new Array<number>(messages.length + 1);
    out[0] = 0;
    for (let k = 0; k < messages.length; k++) out[k + 1] = out[k] + (heights.current.get(messages[k].id) ?? ESTIMATE_PX);
    return out;
  }, [messages, measureTick]);

  const total = offsets[messages.length];
  const from = Math.max(0, upperBound(offsets, view.top - OVERSCAN_PX) - 1);
  const to = Math.min(messages.length, upperBound(offsets, view.top + view.height + OVERSCAN_PX));

  const observer = useMemo(
    () =>
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver((entries) => {
            let changed = false;
            for (const e of entries) {
              const id = (e.target as HTMLElement).dataset.mid;
              const h = Math.ceil(e.borderBoxSize?.[0]?.blockSize ?? (e.target as HTMLElement).offsetHeight);
              if (id && heights.current.get(id) !== h) {
                heights.current.set(id, h);
                changed = true;
              }
            }
            if (changed) setMeasureTick((t) => t + 1);
          }),
    [],
  );
  useEffect(() => () => observer?.disconnect(), [observer]);

  const measureRef = useCallback(
    (el: HTMLDivElement | null) => {
      if (!el || !observer) return;
      observer.observe(el);
      return () => observer.unobserve(el);
    },
    [observer],
  );

  const toBottom = () => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    lastTop.current = el.scrollTop;
  };

  // Keep the newest text in view while stuck, after every render that changed the height.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !stuckRef.current) return;
    // The user scrolled up (scrollbar, keys) and a render came before the scroll event: leave
    // them there. A clamp after content shrank also lowers scrollTop, but stays at the bottom.
    if (el.scrollTop < lastTop.current - 2 && !atBottom(el)) setStick(false);
    else toBottom();
  });

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => setView({ top: el.scrollTop, height: el.clientHeight }));
    ro?.observe(el);
    setView({ top: el.scrollTop, height: el.clientHeight });
    return () => ro?.disconnect();
  }, []);

  const onScroll = () => {
    const el = scroller.current!;
    // Only a move upwards is the user leaving the bottom; growth below is not.
    if (atBottom(el)) {
      if (!stuckRef.current) setStick(true);
    } else if (el.scrollTop < lastTop.current - 2 && stuckRef.current) setStick(false);
    lastTop.current = el.scrollTop;
    setView({ top: el.scrollTop, height: el.clientHeight });
  };

  return (
    <div className="transcript-wrap">
      <div
        ref={scroller}
        className="transcript"
        onScroll={onScroll}
        onWheel={(e) => {
          if (e.deltaY < 0 && stuckRef.current) setStick(false);
        }}
        role="log"
        aria-label={label}
        aria-live="off"
        tabIndex={0}
        data-testid="transcript"
      >
        <div style={{ height: offsets[from] }} aria-hidden />
        {messages.slice(from, to).map((m) => (
          <div key={m.id} ref={measureRef} data-mid={m.id} className="transcript-item">
            <MessageView message={m} />
          </div>
        ))}
        <div style={{ height: Math.max(0, total - offsets[to]) }} aria-hidden />
      </div>
      {!stuck && (
        <button
          type="button"
          className="jump-latest small"
          onClick={() => {
            setStick(true);
            toBottom();
          }}
        >
          ↓ Jump to latest
        </button>
      )}
    </div>
  );
}

function atBottom(el: HTMLElement): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK_PX;
}

/** First index whose offset is greater than `y`. */
function upperBound(a: number[], y: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
