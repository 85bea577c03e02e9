// What the engine does by default with an error it cannot go on after (a failed commit, a store
// that cannot delete): crash the process, so a supervisor restarts it and recovery resumes from
// what is on disk, rather than go on with a store it can no longer trust.

/** Throws `error` outside any promise chain, which ends the process. */
export function crashProcess(error: Error): void {
  setImmediate(() => {
    throw error;
  });
}
