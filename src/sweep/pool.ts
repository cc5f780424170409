/**
 * A small promise pool: runs `work` over `items` with at most `limit` running at once, starting
 * them in order, and resolves to the results in the order of `items`. `work` is expected to catch
 * its own failures (a sweep records a failed trial rather than stopping the others); a rejection
 * still rejects the pool, after the running ones settle.
 */
export async function runPool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`the pool limit must be a whole number of at least 1, got ${limit}`)
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index]!, index)
    }
  }
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker))
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
  if (failure) throw failure.reason
  return results
}
