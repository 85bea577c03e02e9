// The simulators' seeded random source (SPEC §7): the same seed gives the same transient failures,
// so a chaos run can be repeated exactly.

/** A random number generator in [0, 1) from a 32-bit seed (mulberry32: small, fast, good enough). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
