import { z } from 'zod';
import type { Dispatcher } from 'undici';
import { fetch, type Response } from 'undici';
import { AppError, messageOf } from '../domain/errors.ts';
import { resolveHttpError, retryAfterMs } from './http-errors.ts';
import type { Metrics } from '../observability/metrics.ts';
import { annotateCurrentSpan, inChildSpan } from '../observability/tracing.ts';

/** HMPPS Auth's client-credentials token response (examples/hmpps-auth-token-response.json). */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive(),
});

export interface HmppsAuthSettings {
  /** HMPPS Auth's address, with or without its /auth: the token endpoint is under `/auth/oauth/token`. */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Fetch a new token this long before the current one expires. */
  readonly refreshMarginMs?: number;
}

/** A token is replaced this long before it expires, so that no request carries one that expires on the way. */
export const tokenRefreshMarginMs = 60_000;

export interface HmppsAuthClient {
  token(signal: AbortSignal): Promise<string>;
  /** Forget the cached token (after a 401), so the next call fetches a new one. */
  invalidate(): void;
}

/**
 * The token endpoint: `<url>/auth/oauth/token`, or `<url>/oauth/token` where the URL already ends in /auth, as
 * HMPPS services give HMPPS Auth's address (`https://sign-in.hmpps.service.justice.gov.uk/auth`).
 */
export function tokenUrlOf(url: string): string {
  const base = url.replace(/\/+$/, '');
  return base.endsWith('/auth') ? `${base}/oauth/token` : `${base}/auth/oauth/token`;
}

/**
 * OAuth2 client credentials against HMPPS Auth (rule D3): HTTP Basic client authentication, form body
 * `grant_type=client_credentials`. The token is cached until shortly before it expires, and concurrent callers
 * share one request. The secret and tokens are never logged.
 */
export function hmppsAuthClient(
  settings: HmppsAuthSettings,
  deps: { metrics: Metrics; dispatcher?: Dispatcher; now?: () => number; onAnswer?: () => void },
): HmppsAuthClient {
  const now = deps.now ?? Date.now;
  const margin = settings.refreshMarginMs ?? tokenRefreshMarginMs;
  const tokenUrl = tokenUrlOf(settings.url);
  const tokenEndpoint = new URL(tokenUrl);
  const basic = Buffer.from(
    `${encodeURIComponent(settings.clientId)}:${encodeURIComponent(settings.clientSecret)}`,
  ).toString('base64');
  let cached: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function fetchToken(signal: AbortSignal): Promise<string> {
    let response;
    try {
      response = await fetch(tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: 'grant_type=client_credentials',
        signal,
        // The client's secret goes to HMPPS Auth's token endpoint and nowhere else.
        redirect: 'manual',
        ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
      });
    } catch (error) {
      const failure = resolveHttpError(error);
      throw new AppError(failure?.code ?? 'http-error', `HMPPS Auth is unreachable: ${messageOf(error)}`, {
        retryable: true,
        cause: error,
        dependency: 'hmpps-auth',
      });
    }
    annotateCurrentSpan({ 'http.response.status_code': response.status });
    if (!response.ok) {
      await response.body?.cancel();
      // No token is any message's fault: whatever HMPPS Auth answers (5xx, 429, or a refused client that an
      // operator mends), it is an outage, waited out so that nobody has to redrive every message afterwards.
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      throw new AppError('http-error', `HMPPS Auth answered ${response.status} to the token request`, {
        retryable: true,
        context: {
          status: response.status,
          ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
        },
        dependency: 'hmpps-auth',
      });
    }
    const body = await tokenBody(response);
    deps.metrics.tokenRefreshes.inc();
    deps.onAnswer?.();
    cached = { token: body.access_token, refreshAt: now() + body.expires_in * 1000 - margin };
    return body.access_token;
  }

  /** A token answer that is not one is HMPPS Auth failing, not the message's detail being invalid. */
  async function tokenBody(response: Response) {
    try {
      return tokenResponseSchema.parse(await response.json());
    } catch (error) {
      throw new AppError(
        'http-error',
        `HMPPS Auth answered the token request with something else: ${messageOf(error)}`,
        {
          retryable: true,
          cause: error,
          dependency: 'hmpps-auth',
        },
      );
    }
  }

  return {
    token(signal) {
      if (cached && now() < cached.refreshAt) return Promise.resolve(cached.token);
      inFlight ??= inChildSpan(
        'HMPPS Auth token',
        () => ({
          'http.request.method': 'POST',
          'server.address': tokenEndpoint.host,
          'url.path': tokenEndpoint.pathname,
        }),
        () => fetchToken(signal),
      ).finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
