// A test spread over N k6 processes by execution segments, as k6-operator spreads it over N pods
// (its pkg/segmentation): process i of N runs the slice (i-1)/N:i/N of every scenario, and all of
// them name the same sequence 0,1/N,…,1 so k6 stripes VUs, iterations and arrival rates across them
// and exec.scenario.iterationInTest / exec.vu.idInTest stay unique over the whole test.

/** The most segments `--segments` takes: more processes than this only measure k6 itself. */
export const MAX_SEGMENTS = 64;

const fraction = (i: number, n: number) => (i === 0 ? '0' : i === n ? '1' : `${i}/${n}`);

/** k6's flags for segment `index` (1-based) of `total`; none for a single segment (a plain run). */
export function segmentArgs(index: number, total: number): string[] {
  if (!Number.isInteger(total) || total < 1 || !Number.isInteger(index) || index < 1 || index > total) {
    throw new Error(`segment ${index} of ${total} does not exist`);
  }
  if (total === 1) return [];
  const sequence = Array.from({ length: total + 1 }, (_, i) => fraction(i, total)).join(',');
  return [`--execution-segment=${fraction(index - 1, total)}:${fraction(index, total)}`, `--execution-segment-sequence=${sequence}`];
}
