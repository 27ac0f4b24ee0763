// Coalesce many calls within one frame into one: live events can arrive hundreds of times a
// second, the charts need redrawing at most once per frame.
export function rafThrottle(fn: () => void): { schedule(): void; cancel(): void } {
  let handle: number | null = null;
  return {
    schedule() {
      if (handle !== null) return;
      handle = requestAnimationFrame(() => {
        handle = null;
        fn();
      });
    },
    cancel() {
      if (handle !== null) cancelAnimationFrame(handle);
      handle = null;
    },
  };
}

/**
 * Like rafThrottle, but a redraw that took `cost` ms is not followed by another for
 * `ratio × cost` ms: heavy charts (50 runs) then use at most 1/(1+ratio) of the main thread and
 * the page keeps answering input, while light charts still redraw every frame.
 */
export function rafBudgeted(fn: () => void, ratio = 3): { schedule(): void; cancel(): void } {
  let handle: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let nextAllowed = 0;
  const frame = () => {
    handle = null;
    const t0 = performance.now();
    fn();
    const t1 = performance.now();
    nextAllowed = t1 + ratio * (t1 - t0);
  };
  return {
    schedule() {
      if (handle !== null || timer !== null) return;
      const wait = nextAllowed - performance.now();
      if (wait > 4) {
        timer = setTimeout(() => {
          timer = null;
          handle = requestAnimationFrame(frame);
        }, wait);
      } else handle = requestAnimationFrame(frame);
    },
    cancel() {
      if (handle !== null) cancelAnimationFrame(handle);
      if (timer !== null) clearTimeout(timer);
      handle = null;
      timer = null;
    },
  };
}
