import { Agent, fetch, type Dispatcher, type Response } from 'undici';
import { AppError, isOutageStatus, messageOf } from '../domain/errors.ts';
import { httpStatusError, resolveHttpError, retryAfterMs } from './http-errors.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { HmppsAuthClient } from './hmpps-auth.ts';
import { shownUrl } from './shown-url.ts';
import { annotateCurrentSpan, inChildSpan } from '../observability/tracing.ts';

export interface WorkloadClientSettings {
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
}

export interface WorkloadClient {
  /** GETs the allocation detail; resolves to the parsed JSON body, or throws an AppError saying whether to retry. */
  fetchDetail(url: URL, signal: AbortSignal): Promise<unknown>;
  /**
   * Asks the API again for the last detail it served (its answer, whatever it is, reaches `onAnswer` as any
   * answer does): whether it serves others while one detail fails. Nothing when it has served none yet.
   */
  probe(signal: AbortSignal): Promise<void>;
}

/** D4: connect within 1 s, answer within 5 s (configurable). */
export function workloadDispatcher(settings: WorkloadClientSettings): Dispatcher {
  return new Agent({
    connect: { timeout: settings.connectTimeoutMs },
    headersTimeout: settings.readTimeoutMs,
    bodyTimeout: settings.readTimeoutMs,
  });
}

/**
 * The Workload API client (rule D2): `GET <detailUrl>` exactly as received, with a bearer token from HMPPS Auth.
 * A 401 means the token is stale: it is refreshed once and the request repeated. Redirects are never followed:
 * the allow-list is checked on the URL asked for, and a bearer token is only ever sent there.
 */
export function workloadClient(deps: {
  auth: HmppsAuthClient;
  metrics: Metrics;
  dispatcher: Dispatcher;
  readTimeoutMs: number;
  /** The largest detail body read; a larger one is refused while it streams in, never buffered whole. */
  maxBodyBytes: number;
  /** Told each time the API answers as a working API does (2xx, 404…): it is up, whatever one detail does. */
  onAnswer?: () => void;
}): WorkloadClient {
  const { maxBodyBytes } = deps;
  let lastServed: URL | undefined;
  function get(url: URL, token: string, signal: AbortSignal) {
    return inChildSpan(
      'Workload API detail',
      () => ({ 'http.request.method': 'GET', 'server.address': url.host, 'url.path': url.pathname }),
      () => request(url, token, signal),
    );
  }
  async function request(url: URL, token: string, signal: AbortSignal) {
    try {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.any([signal, AbortSignal.timeout(deps.readTimeoutMs)]),
        dispatcher: deps.dispatcher,
        // The allow-list vouches for the URL asked for, not for wherever an answer points next (D1).
        redirect: 'manual',
      });
      deps.metrics.detailRequests.inc({ status: String(response.status) });
      annotateCurrentSpan({ 'http.response.status_code': response.status });
      if (!isOutageStatus(response.status)) deps.onAnswer?.();
      return response;
    } catch (error) {
      const failure =
        resolveHttpError(error) ?? new AppError('http-error', messageOf(error), { cause: error });
      deps.metrics.detailRequests.inc({ status: failure.code === 'timeout' ? 'timeout' : 'error' });
      if (signal.aborted)
        throw new AppError('timeout', 'stopped while fetching the detail', { retryable: true, cause: error });
      throw new AppError(failure.code, `GET ${url.pathname} failed: ${failure.message}`, {
        retryable: true,
        cause: error,
        context: { url: shownUrl(url) },
        dependency: 'workload-api',
      });
    }
  }

  return {
    async probe(signal) {
      if (!lastServed) return;
      const response = await get(lastServed, await deps.auth.token(signal), signal);
      await response.body?.cancel();
    },
    async fetchDetail(url, signal) {
      let response = await get(url, await deps.auth.token(signal), signal);
      if (response.status === 401) {
        await response.body?.cancel();
        deps.auth.invalidate();
        response = await get(url, await deps.auth.token(signal), signal);
      }
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        throw new AppError(
          'disallowed-url',
          `GET ${url.pathname} answered ${response.status}: redirects are not followed (to ${response.headers.get('location') ?? 'nowhere'})`,
          { context: { status: response.status, url: shownUrl(url) } },
        );
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw httpStatusError(response.status, `GET ${url.pathname}`, {
          context: { url: shownUrl(url) },
          dependency: 'workload-api',
          retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
        });
      }
      const text = await readCapped(response, maxBodyBytes, url);
      lastServed = url;
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new AppError('invalid-detail', `GET ${url.pathname} answered with a body that is not JSON`, {
          cause: error,
        });
      }
    },
  };
}

/** The body as text, read chunk by chunk and given up as soon as it passes `maxBytes`. */
async function readCapped(response: Response, maxBytes: number, url: URL): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const tooLarge = () =>
    new AppError('invalid-detail', `GET ${url.pathname} answered more than ${maxBytes} bytes`, {
      context: { url: shownUrl(url), maxBytes },
    });
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (response.body) {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
      if (!value) {
        if (done) break;
        continue;
      }
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(Buffer.from(value));
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
