import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { KafkaConfig, OauthbearerProviderResponse, SASLOptions } from 'kafkajs';
import { z } from 'zod';

/**
 * How the service reaches a secured Kafka cluster (Amazon MSK with TLS and SASL/SCRAM or IAM, Confluent Cloud)
 * and a secured schema registry. All by configuration; none of it is needed for the local stack.
 */
const pemOrPath = z.string().min(1).optional();

export const kafkaSecurityShape = {
  /** TLS to the brokers. With no CA given, the system's trusted roots apply (as for MSK and Confluent Cloud). */
  KAFKA_SSL: z.stringbool().default(false),
  /** A CA bundle (PEM) to trust: as a file, or as the PEM text itself (from a secret). */
  KAFKA_SSL_CA_FILE: pemOrPath,
  KAFKA_SSL_CA: pemOrPath,
  /** A client certificate and key (PEM), for brokers that authenticate clients by TLS (mTLS). */
  KAFKA_SSL_CERT_FILE: pemOrPath,
  KAFKA_SSL_CERT: pemOrPath,
  KAFKA_SSL_KEY_FILE: pemOrPath,
  KAFKA_SSL_KEY: pemOrPath,
  KAFKA_SSL_KEY_PASSWORD: z.string().min(1).optional(),
  /** Whether a broker certificate must verify; false only for a test cluster. */
  KAFKA_SSL_REJECT_UNAUTHORIZED: z.stringbool().default(true),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /**
   * OAUTHBEARER tokens, from one of two providers: an ES module whose default export is an async function
   * returning `{ value }` (for example one wrapping aws-msk-iam-sasl-signer-js, for MSK IAM), or an OAuth2
   * client-credentials grant against a token endpoint.
   */
  KAFKA_OAUTHBEARER_TOKEN_MODULE: z.string().min(1).optional(),
  KAFKA_OAUTHBEARER_TOKEN_URL: z.url().optional(),
  KAFKA_OAUTHBEARER_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_OAUTHBEARER_CLIENT_SECRET: z.string().min(1).optional(),
  KAFKA_OAUTHBEARER_SCOPE: z.string().min(1).optional(),
} as const;

export const registrySecurityShape = {
  /** HTTP basic auth to the registry (Confluent Cloud: an API key and secret). */
  SCHEMA_REGISTRY_USERNAME: z.string().min(1).optional(),
  SCHEMA_REGISTRY_PASSWORD: z.string().min(1).optional(),
  /** A CA bundle (PEM) to trust for an https registry URL: a file, or the PEM text. */
  SCHEMA_REGISTRY_CA_FILE: pemOrPath,
  SCHEMA_REGISTRY_CA: pemOrPath,
} as const;

export type KafkaSecuritySettings = z.infer<z.ZodObject<typeof kafkaSecurityShape>>;
export type RegistrySecuritySettings = z.infer<z.ZodObject<typeof registrySecurityShape>>;

/** The settings of these shapes that are secrets, for redaction. */
export const securitySecrets = [
  'KAFKA_SSL_KEY',
  'KAFKA_SSL_KEY_PASSWORD',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_OAUTHBEARER_CLIENT_SECRET',
  'SCHEMA_REGISTRY_PASSWORD',
] as const;

/** What is wrong with the settings taken together, one phrase each (empty when nothing is). */
export function securityProblems(settings: KafkaSecuritySettings & RegistrySecuritySettings): string[] {
  const problems: string[] = [];
  const both = (a: keyof typeof settings, b: keyof typeof settings) => {
    if (settings[a] !== undefined && settings[b] !== undefined) problems.push(`set ${a} or ${b}, not both`);
  };
  both('KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CA');
  both('KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_CERT');
  both('KAFKA_SSL_KEY_FILE', 'KAFKA_SSL_KEY');
  both('SCHEMA_REGISTRY_CA_FILE', 'SCHEMA_REGISTRY_CA');
  const tlsSetting = [
    'KAFKA_SSL_CA_FILE',
    'KAFKA_SSL_CA',
    'KAFKA_SSL_CERT_FILE',
    'KAFKA_SSL_CERT',
    'KAFKA_SSL_KEY_FILE',
    'KAFKA_SSL_KEY',
  ].find((name) => settings[name as keyof typeof settings] !== undefined);
  if (tlsSetting && !settings.KAFKA_SSL) problems.push(`${tlsSetting} is set but KAFKA_SSL is not true`);
  const hasCert = settings.KAFKA_SSL_CERT_FILE !== undefined || settings.KAFKA_SSL_CERT !== undefined;
  const hasKey = settings.KAFKA_SSL_KEY_FILE !== undefined || settings.KAFKA_SSL_KEY !== undefined;
  if (hasCert !== hasKey) problems.push('a client certificate needs its key, and a key its certificate');
  const mechanism = settings.KAFKA_SASL_MECHANISM;
  if (mechanism && mechanism !== 'oauthbearer') {
    if (!settings.KAFKA_SASL_USERNAME || !settings.KAFKA_SASL_PASSWORD)
      problems.push(`KAFKA_SASL_MECHANISM ${mechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`);
  }
  if (mechanism === 'oauthbearer') {
    const grant =
      settings.KAFKA_OAUTHBEARER_TOKEN_URL &&
      settings.KAFKA_OAUTHBEARER_CLIENT_ID &&
      settings.KAFKA_OAUTHBEARER_CLIENT_SECRET;
    if (!settings.KAFKA_OAUTHBEARER_TOKEN_MODULE && !grant)
      problems.push(
        'KAFKA_SASL_MECHANISM oauthbearer needs KAFKA_OAUTHBEARER_TOKEN_MODULE, or KAFKA_OAUTHBEARER_TOKEN_URL, ' +
          '_CLIENT_ID and _CLIENT_SECRET',
      );
  }
  if (!mechanism && (settings.KAFKA_SASL_USERNAME || settings.KAFKA_SASL_PASSWORD))
    problems.push('KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set but KAFKA_SASL_MECHANISM is not');
  if (Boolean(settings.SCHEMA_REGISTRY_USERNAME) !== Boolean(settings.SCHEMA_REGISTRY_PASSWORD))
    problems.push('SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD go together');
  return problems;
}

function pem(file: string | undefined, text: string | undefined): string | undefined {
  return file === undefined ? text : readFileSync(file, 'utf8');
}

/** An OAUTHBEARER token provider: called by kafkajs when it (re)authenticates a connection. */
export type OauthbearerTokenProvider = () => Promise<OauthbearerProviderResponse>;

/** The OAuth2 client-credentials grant: a token from the endpoint, taken again when it is about to expire. */
export function clientCredentialsTokenProvider(
  {
    tokenUrl,
    clientId,
    clientSecret,
    scope,
  }: { tokenUrl: string; clientId: string; clientSecret: string; scope?: string | undefined },
  fetchImpl: typeof fetch = fetch,
): OauthbearerTokenProvider {
  let cached: { value: string; expiresAt: number } | undefined;
  return async () => {
    if (cached && cached.expiresAt - Date.now() > 60_000) return { value: cached.value };
    const body = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
    const response = await fetchImpl(tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`the Kafka token endpoint answered ${response.status}`);
    const token = z
      .object({ access_token: z.string().min(1), expires_in: z.number().positive().optional() })
      .parse(await response.json());
    cached = { value: token.access_token, expiresAt: Date.now() + (token.expires_in ?? 300) * 1000 };
    return { value: cached.value };
  };
}

async function tokenModule(file: string): Promise<OauthbearerTokenProvider> {
  const loaded = (await import(pathToFileURL(path.resolve(file)).href)) as { default?: unknown };
  if (typeof loaded.default !== 'function')
    throw new Error(`KAFKA_OAUTHBEARER_TOKEN_MODULE ${file} has no default export function`);
  const provider = loaded.default as OauthbearerTokenProvider;
  return async () => z.object({ value: z.string().min(1) }).parse(await provider());
}

/** kafkajs's `ssl` and `sasl` options for the settings (none for a plaintext cluster such as the local one). */
export async function kafkaSecurityOptions(
  settings: KafkaSecuritySettings,
): Promise<Pick<KafkaConfig, 'ssl' | 'sasl'>> {
  const options: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (settings.KAFKA_SSL) {
    const ca = pem(settings.KAFKA_SSL_CA_FILE, settings.KAFKA_SSL_CA);
    const cert = pem(settings.KAFKA_SSL_CERT_FILE, settings.KAFKA_SSL_CERT);
    const key = pem(settings.KAFKA_SSL_KEY_FILE, settings.KAFKA_SSL_KEY);
    options.ssl = {
      rejectUnauthorized: settings.KAFKA_SSL_REJECT_UNAUTHORIZED,
      ...(ca ? { ca: [ca] } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      ...(settings.KAFKA_SSL_KEY_PASSWORD ? { passphrase: settings.KAFKA_SSL_KEY_PASSWORD } : {}),
    };
  }
  const mechanism = settings.KAFKA_SASL_MECHANISM;
  if (mechanism === 'oauthbearer') {
    const provider = settings.KAFKA_OAUTHBEARER_TOKEN_MODULE
      ? await tokenModule(settings.KAFKA_OAUTHBEARER_TOKEN_MODULE)
      : clientCredentialsTokenProvider({
          tokenUrl: settings.KAFKA_OAUTHBEARER_TOKEN_URL ?? '',
          clientId: settings.KAFKA_OAUTHBEARER_CLIENT_ID ?? '',
          clientSecret: settings.KAFKA_OAUTHBEARER_CLIENT_SECRET ?? '',
          scope: settings.KAFKA_OAUTHBEARER_SCOPE,
        });
    options.sasl = { mechanism, oauthBearerProvider: provider } satisfies SASLOptions;
  } else if (mechanism) {
    options.sasl = {
      mechanism,
      username: settings.KAFKA_SASL_USERNAME ?? '',
      password: settings.KAFKA_SASL_PASSWORD ?? '',
    } as SASLOptions;
  }
  return options;
}

/** The registry client's `auth` and `agent` options for the settings. */
export function registrySecurityOptions(settings: RegistrySecuritySettings) {
  const ca = pem(settings.SCHEMA_REGISTRY_CA_FILE, settings.SCHEMA_REGISTRY_CA);
  return {
    ...(settings.SCHEMA_REGISTRY_USERNAME && settings.SCHEMA_REGISTRY_PASSWORD
      ? { auth: { username: settings.SCHEMA_REGISTRY_USERNAME, password: settings.SCHEMA_REGISTRY_PASSWORD } }
      : {}),
    ...(ca ? { agent: new HttpsAgent({ ca, keepAlive: true }) } : {}),
  };
}
