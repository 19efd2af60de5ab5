import type { AppError, Dependency } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';

/**
 * Dependencies whose failure can be one message's alone: the Workload API serves each allocation at its own
 * URL, and one detail can fail while every other is served. A failure of any other dependency (HMPPS Auth's
 * token, the schema registry, Kafka, the database unreachable or refusing the login) belongs to no message.
 */
const servesPerMessage: ReadonlySet<Dependency> = new Set(['workload-api']);

/** Failures of this many different messages, with no answer between, mean the dependency is down. */
export const messagesFailingForOutage = 2;

interface DependencyState {
  /** When it last answered as a working dependency does (-Infinity: not since the process started). */
  answeredAt: number;
  /** The messages it failed since then. */
  readonly failing: Set<unknown>;
  /** Set while the service waits out its outage. */
  downSince: number | undefined;
  /** No call before this (its `Retry-After`). */
  notBefore: number;
  /** Resolved at its next answer, so that every message waiting on it goes on at once. */
  answer: Promise<void>;
  resolveAnswer: () => void;
}

/**
 * Tells an outage from a bad message, per dependency, for every stage of a process.
 *
 * - A retryable failure names the dependency that did not answer (AppError.dependency). Its message is retried
 *   with backoff, as any retryable failure is.
 * - Past the message's last attempt, it is dead-lettered only if the failure can be that message's own (the
 *   Workload API) **and** the dependency answered another request since this message first failed: it is
 *   serving others, so the fault is this message's. With no such answer, the dependency's probe asks it
 *   something it answered before (the Workload API: the last detail it served); an answer shows the fault is
 *   the message's. Otherwise nothing shows the dependency working: it is an outage, and the message waits,
 *   for as long as the outage lasts, with its partition (so order is kept), asking again at each try.
 * - The dependency is *down* (one log line, the `allocations_dependency_down` gauge, readiness) from the moment a
 *   message waits on it, or failures of `messagesFailingForOutage` different messages arrive with no answer
 *   between, until it next answers. Its answer wakes every waiting message at once; each retries anyway at its
 *   backoff (at most the retry policy's longest delay), so a recovery that no one reports is found within it.
 * - A `Retry-After` is honoured: no message retries on that dependency before it.
 */
export class OutageWatch {
  readonly #states = new Map<Dependency, DependencyState>();
  readonly #probes = new Map<Dependency, () => Promise<void>>();
  readonly #logger: Logger;
  readonly #metrics: Metrics;
  readonly #now: () => number;

  constructor(deps: { logger: Logger; metrics: Metrics; now?: () => number }) {
    this.#logger = deps.logger;
    this.#metrics = deps.metrics;
    this.#now = deps.now ?? Date.now;
  }

  /**
   * The dependencies this process calls, reported up (0) from the start unless already down: a dashboard or an
   * alert sees each one before its first outage, and a dependency a process never calls is not reported.
   */
  watching(dependencies: readonly Dependency[]): void {
    for (const dependency of dependencies)
      if (this.#states.get(dependency)?.downSince === undefined)
        this.#metrics.dependencyDown.set({ dependency }, 0);
  }

  /** A message's call to the dependency its error names failed. */
  failed(error: AppError, message: unknown): void {
    const dependency = error.dependency;
    if (!dependency) return;
    const state = this.#state(dependency);
    // Only whether enough different messages failed matters: the set stops growing there.
    if (state.failing.size < messagesFailingForOutage) state.failing.add(message);
    const retryAfterMs = error.context['retryAfterMs'];
    if (typeof retryAfterMs === 'number')
      state.notBefore = Math.max(state.notBefore, this.#now() + retryAfterMs);
    if (state.failing.size >= messagesFailingForOutage) this.#down(dependency, state, error);
  }

  /**
   * How to ask a dependency whose failures can be one message's whether it serves others: a request it answered
   * before. It reports an answer through `answered`, and never throws.
   */
  setProbe(dependency: Dependency, probe: () => Promise<void>): void {
    this.#probes.set(dependency, probe);
  }

  /**
   * Whether a message whose retries are spent on this failure waits (an outage) rather than being given up.
   * `firstFailedAt`: when this message first failed on the dependency.
   */
  async waitsOut(error: AppError, firstFailedAt: number): Promise<boolean> {
    const dependency = error.dependency;
    if (!dependency) return false;
    const state = this.#state(dependency);
    if (servesPerMessage.has(dependency)) {
      if (state.answeredAt < firstFailedAt)
        await this.#probes
          .get(dependency)?.()
          .catch(() => undefined);
      if (state.answeredAt >= firstFailedAt) return false;
    }
    this.#down(dependency, state, error);
    return true;
  }

  /** The dependency answered: its outage, if any, is over, and whatever waits on it goes on. */
  answered(dependency: Dependency): void {
    const state = this.#state(dependency);
    state.answeredAt = this.#now();
    state.failing.clear();
    state.notBefore = 0;
    // Messages retrying on it go on at once, whether or not it had been called down yet.
    const wake = state.resolveAnswer;
    this.#renewAnswer(state);
    wake();
    if (state.downSince === undefined) return;
    const seconds = (state.answeredAt - state.downSince) / 1000;
    state.downSince = undefined;
    this.#metrics.dependencyDown.set({ dependency }, 0);
    this.#metrics.outageSeconds.inc({ dependency }, seconds);
    this.#logger.info({ dependency, seconds: Math.round(seconds) }, `${dependency} answers again`);
  }

  /** Whether the dependency answered at or after `since` (ms since the epoch). */
  answeredSince(dependency: Dependency, since: number): boolean {
    return this.#state(dependency).answeredAt >= since;
  }

  /** The wait before a message's next try on this dependency: its backoff, or longer for a `Retry-After`. */
  delayFor(dependency: Dependency | undefined, backoffMs: number): number {
    if (!dependency) return backoffMs;
    return Math.max(backoffMs, this.#state(dependency).notBefore - this.#now());
  }

  /** Resolves when the dependency next answers. */
  nextAnswer(dependency: Dependency): Promise<void> {
    return this.#state(dependency).answer;
  }

  /** Whether any dependency's outage is being waited out. */
  anyDown(): boolean {
    for (const state of this.#states.values()) if (state.downSince !== undefined) return true;
    return false;
  }

  isDown(dependency: Dependency): boolean {
    return this.#states.get(dependency)?.downSince !== undefined;
  }

  /** Readiness: one check per dependency, down while its outage is waited out. */
  checks(dependencies: readonly Dependency[]): Record<string, () => Promise<boolean>> {
    return Object.fromEntries(
      dependencies.map((dependency) => [
        checkName(dependency),
        () => Promise.resolve(!this.isDown(dependency)),
      ]),
    );
  }

  #down(dependency: Dependency, state: DependencyState, error: AppError): void {
    if (state.downSince !== undefined) return;
    state.downSince = this.#now();
    this.#metrics.dependencyDown.set({ dependency }, 1);
    this.#metrics.outages.inc({ dependency });
    this.#logger.warn(
      { dependency, code: error.code, error: error.message, messages: state.failing.size },
      `${dependency} is down: waiting it out (nothing is dead-lettered for it meanwhile)`,
    );
  }

  #state(dependency: Dependency): DependencyState {
    let state = this.#states.get(dependency);
    if (!state) {
      state = {
        answeredAt: Number.NEGATIVE_INFINITY,
        failing: new Set(),
        downSince: undefined,
        notBefore: 0,
        answer: Promise.resolve(),
        resolveAnswer: () => undefined,
      };
      this.#renewAnswer(state);
      this.#states.set(dependency, state);
    }
    return state;
  }

  #renewAnswer(state: DependencyState): void {
    const { promise, resolve } = Promise.withResolvers<void>();
    state.answer = promise;
    state.resolveAnswer = resolve;
  }
}

/** The readiness check's name: `workloadApi` for `workload-api`, as the other checks are named. */
function checkName(dependency: Dependency): string {
  return dependency.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
}
