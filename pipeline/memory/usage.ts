/** The process's resident set in MiB (process.memoryUsage.rss() does not walk the heap; it is cheap). */
export function rssMiB(): number {
  return process.memoryUsage.rss() / 2 ** 20;
}
