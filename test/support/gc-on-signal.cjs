// Preloaded into soak bridge processes (node --expose-gc --require): SIGUSR2 runs a full
// collection, so the heap sampled right after is the live heap, free of the GC sawtooth.
process.on("SIGUSR2", () => {
  if (typeof global.gc === "function") global.gc();
});
