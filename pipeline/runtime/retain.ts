/** A `ComponentContext.retain` over its own map: the state one process keeps across reloads. */
export function retainer(): <T>(key: string, create: () => T) => T {
  const kept = new Map<string, unknown>();
  return <T>(key: string, create: () => T): T => {
    if (!kept.has(key)) kept.set(key, create());
    return kept.get(key) as T;
  };
}
