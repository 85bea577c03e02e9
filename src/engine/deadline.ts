// Waiting with a deadline: what the engine does wherever a request must not hang (processSync,
// cancel, shutdown), and the signal that ends every such wait at once when the server goes down.
import { Refusal } from '../domain/index.ts';

/** What a request the engine can no longer serve is told: it is going down (503, try again). */
export const shuttingDown = (): Refusal => new Refusal('unavailable', 'the engine is shutting down; try again');

/** Ends the engine's waits early, when the server goes down; each wait lets go of it when it ends. */
export class Release {
  private done = false;
  private readonly waiting = new Set<() => void>();

  release(): void {
    this.done = true;
    for (const end of [...this.waiting]) end();
  }

  /** True once the waits are released (the server is going down). */
  get released(): boolean {
    return this.done;
  }

  /**
   * The promise's value, or undefined once `ms` have passed or the waits are released. A promise
   * no longer waited for may still reject: that rejection is the caller's no more, and is dropped.
   */
  wait<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    if (this.done) {
      promise.catch(() => undefined);
      return Promise.resolve(undefined);
    }
    return new Promise<T | undefined>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        this.waiting.delete(end);
      };
      const end = () => {
        settle();
        resolve(undefined);
      };
      const timer = setTimeout(end, Math.max(0, ms));
      this.waiting.add(end);
      promise.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error);
        },
      );
    });
  }
}

/** Waits no shutdown ends early: the engine's own (calls on their way, the stop itself). */
const UNRELEASED = new Release();

/** The promise's value, or undefined once `ms` have passed first; the timer does not outlive the race. */
export function beforeDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return UNRELEASED.wait(promise, ms);
}
