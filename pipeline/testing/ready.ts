/** Polls a meshlog admin endpoint's /readyz until it answers 200; false after `tries` tries 100 ms apart. */
export async function untilReady(admin: string, tries = 100): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    const ready = await fetch(`${admin}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
