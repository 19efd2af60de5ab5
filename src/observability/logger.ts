import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { logContext } from './log-context.ts';
import { installed } from '../installed.ts';

export type { Logger };

/**
 * The one root logger, built by the composition root. Secrets never reach it: the redact paths cover the
 * places where a token or password could appear in a logged object.
 */
export function createLogger(
  options: { level?: string; pretty?: boolean; name?: string; destination?: DestinationStream } = {},
): Logger {
  const settings: LoggerOptions = {
    name: options.name ?? 'workforce-allocations-to-delius',
    level: options.level ?? 'info',
    // Every line written while a message is in hand names it (message id, CRN, topic, partition, offset).
    mixin: logContext,
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
    // pino-pretty is for local runs (a devDependency): where it is not installed, as in the image, lines stay JSON.
    ...(options.pretty && installed('pino-pretty')
      ? {
          transport: {
            target: 'pino-pretty',
            options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
          },
        }
      : {}),
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
