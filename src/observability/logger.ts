import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The one root logger, built by the composition root. Secrets never reach it: the redact paths cover the
 * places where a token or password could appear in a logged object.
 */
export function createLogger(options: { level?: string; pretty?: boolean; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'workforce-allocations-to-delius',
    level: options.level ?? 'info',
    redact: {
      paths: [
        '*.password',
        '*.clientSecret',
        '*.token',
        '*.accessToken',
        '*.authorization',
        '*.headers.authorization',
      ],
      censor: '[redacted]',
    },
    ...(options.pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
          },
        }
      : {}),
  });
}
