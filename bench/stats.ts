// Order statistics for the benchmarks: the nearest-rank sample, never an interpolation, so every figure printed is
// a time that was measured.

/** The sample at quantile `q` (0 to 1) of `samples`, which need not be sorted; NaN when there are none. */
export function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}
