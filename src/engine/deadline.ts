// Waiting with a deadline: what the engine does wherever a request must not hang (processSync,
// cancel, shutdown).

/** The promise's value, or undefined once `ms` have passed first; the timer does not outlive the race. */
export async function beforeDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, ms))));
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
