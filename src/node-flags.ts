/**
 * The V8 flags a stage process runs with in production (the Dockerfile's ENTRYPOINT) and in the benchmark.
 *
 * A stage's live heap is small (about 40 MiB in a processor working through a backlog), but it makes garbage
 * quickly, and on a host with memory to spare V8 lets the young generation grow to many times that, so a stage
 * showed 290–350 MiB resident. An 8 MiB semi-space keeps every stage under 250 MiB through a 5,000-allocation
 * backlog at no cost in CPU (docs/throughput.md).
 */
export const productionNodeFlags = ['--max-semi-space-size=8'] as const;
