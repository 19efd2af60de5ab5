import type { z } from 'zod';
import type { Handled, Outcome, Subject } from '../domain/outcome.ts';
import type { Logger } from '../observability/logger.ts';
import type { AvroSchemaName } from './avro-schemas.ts';
import type { RetryPolicy } from './backoff.ts';
import type { OrderPolicy } from './order-window.ts';

/** A topic's message: its Avro schema (the wire contract, in the registry) and its zod schema (checked on read). */
export interface TopicContract<T> {
  readonly avro: AvroSchemaName;
  readonly schema: z.ZodType<T>;
}

/** Where a record came from; its bytes stay with the runner, which hands the handler the decoded value. */
export interface MessageOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: string;
}

export interface IncomingMessage extends MessageOrigin {
  readonly value: Buffer | null;
}

/** A record a handler asks the runner to publish (encoded with the output topic's schema) before it commits. */
export interface Emit<T = unknown> {
  readonly topic: string;
  readonly key: string;
  readonly value: T;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A topic a stage writes, and what its records carry: a handler's emits must be that, checked by the compiler. */
export interface Output<T> {
  readonly topic: string;
  readonly contract: TopicContract<T>;
}

/** Where a consumer stage reads and writes, in which group (src/topology.ts). */
export interface StageRoute<In, Out> {
  readonly groupId: string;
  readonly input: { readonly topic: string; readonly contract: TopicContract<In> };
  readonly output: Output<Out>;
}

export interface HandlerContext<M = MessageOrigin> {
  /** Aborted when the stage stops: give up what can be given up; the message will be redelivered. */
  readonly signal: AbortSignal;
  readonly attempt: number;
  readonly logger: Logger;
  readonly origin: M;
}

/** A stage's work on one decoded message: returns what happened, throws what failed. */
export type StageHandler<In, Out = unknown> = (
  input: In,
  context: HandlerContext,
) => Promise<Handled<readonly Emit<Out>[]>>;

/** How one message ended in a stage. */
export type StageOutcome<Out = unknown> = Outcome<readonly Emit<Out>[]>;

export interface StagePolicy {
  /** Partitions one process works on at once, each in order. */
  readonly concurrency: number;
  /** Tries of a failure worth retrying; a dependency's outage is waited out past them (outage-watch.ts). */
  readonly retry: RetryPolicy;
}

/** What a stage opens when it starts: its handler, the readiness checks of what it depends on, how to close. */
export interface StartedHandler<In, Out> {
  readonly handle: StageHandler<In, Out>;
  readonly checks?: Readonly<Record<string, () => Promise<boolean>>>;
  close?(): Promise<void>;
}

/**
 * A Kafka stage, declared as data: the runner decodes and validates its input, registers and encodes its
 * outputs, calls its handler, and owns commits, retries, dead letters and shutdown.
 */
export interface StageDefinition<In, Out> {
  readonly name: string;
  readonly groupId: string;
  readonly input: { readonly topic: string; readonly contract: TopicContract<In> };
  readonly outputs: readonly Output<Out>[];
  /** Whom a decoded message is about, for outcomes that end in failure. */
  readonly subjectOf: (input: In) => Subject;
  readonly start: () => Promise<StartedHandler<In, Out>>;
  readonly policy: StagePolicy;
  /** Settle each key's records in the order they were made, within a window (order-window.ts). */
  readonly order?: OrderPolicy<In> | undefined;
  /** Pass the connectors' watermarks on to the same partition of the first output (watermark.ts). */
  readonly forwardWatermarks?: boolean | undefined;
}

/** A started stage, whatever it reads from: what the service asks of it for health and shutdown. */
export interface RunningStage {
  readonly name: string;
  /** Taking work: joined its consumer group (Kafka stages) or polling (the connector). */
  isReady(): boolean;
  /** False once it can no longer work by itself: the process needs restarting (liveness). */
  isAlive(): boolean;
  /** Readiness checks of what it depends on (a database, a queue). */
  readonly checks: Readonly<Record<string, () => Promise<boolean>>>;
  /** The name of what stopping it waits for, for a slow stop to say. */
  readonly stopping: string;
  /** A Kafka stage's partitions of its input topic, as its group last assigned them (the lag it reports). */
  readonly assignedPartitions?: () => readonly number[];
  stop(): Promise<void>;
}
