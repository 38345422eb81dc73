// Pure helpers shared by k6 scripts and the harness (no k6 imports, so Node can load them too).

/** The most events inside any sliding window of `windowMs` (times sorted ascending). */
export function maxInWindow(times: number[], windowMs = 1000): number {
  let max = 0;
  for (let lo = 0, hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= windowMs) lo++;
    max = Math.max(max, hi - lo + 1);
  }
  return max;
}

/**
 * Writer VUs for a rate of renames per second; each owns its own rows (see writerSlot), so the
 * harness creates ceil(writerVus / users) files per user.
 */
export function writerVus(perSecond: number): number {
  return Math.min(50, Math.max(4, perSecond));
}
