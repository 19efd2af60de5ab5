import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, redactedConfig } from '../../src/config/config.ts';
import {
  clientCredentialsTokenProvider,
  kafkaSecurityOptions,
  registrySecurityOptions,
  securityProblems,
  type KafkaSecuritySettings,
  type RegistrySecuritySettings,
} from '../../src/kafka/security.ts';

const plain: KafkaSecuritySettings & RegistrySecuritySettings = {
  KAFKA_SSL: false,
  KAFKA_SSL_REJECT_UNAUTHORIZED: true,
};

const required = {
  KAFKA_BROKERS: 'b:9092',
  SCHEMA_REGISTRY_URL: 'http://r:8081',
  ALLOCATIONS_QUEUE_URL: 'http://q:4566/000000000000/q',
  HMPPS_AUTH_URL: 'http://a:9090',
  HMPPS_AUTH_CLIENT_ID: 'id',
  HMPPS_AUTH_CLIENT_SECRET: 'secret',
  DETAIL_URL_ALLOW_LIST: 'http://w:9090',
  DATABASE_URL: 'postgres://delius@d:5432/delius',
};

describe('Kafka and registry security settings', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'security-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('need nothing for a plaintext cluster, and give kafkajs no ssl or sasl', async () => {
    expect(securityProblems(plain)).toEqual([]);
    expect(await kafkaSecurityOptions(plain)).toEqual({});
  });

  it('read the CA, client certificate and key from files, or take them as PEM text', async () => {
    const ca = path.join(dir, 'ca.pem');
    await writeFile(ca, 'CA PEM');
    const fromFiles = await kafkaSecurityOptions({
      ...plain,
      KAFKA_SSL: true,
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SSL_CERT: 'CERT PEM',
      KAFKA_SSL_KEY: 'KEY PEM',
      KAFKA_SSL_KEY_PASSWORD: 'pass',
    });
    expect(fromFiles.ssl).toEqual({
      rejectUnauthorized: true,
      ca: ['CA PEM'],
      cert: 'CERT PEM',
      key: 'KEY PEM',
      passphrase: 'pass',
    });
    expect(await kafkaSecurityOptions({ ...plain, KAFKA_SSL: true })).toEqual({
      ssl: { rejectUnauthorized: true },
    });
  });

  it('give SASL PLAIN and SCRAM their username and password', async () => {
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
      const settings = {
        ...plain,
        KAFKA_SASL_MECHANISM: mechanism,
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
      };
      expect(securityProblems(settings)).toEqual([]);
      expect((await kafkaSecurityOptions(settings)).sasl).toEqual({
        mechanism,
        username: 'u',
        password: 'p',
      });
    }
  });

  it('take OAUTHBEARER tokens from a module of the operator’s (for MSK IAM)', async () => {
    const module = path.join(dir, 'token.mjs');
    await writeFile(module, "export default async () => ({ value: 'signed-token' });\n");
    const { sasl } = await kafkaSecurityOptions({
      ...plain,
      KAFKA_SASL_MECHANISM: 'oauthbearer',
      KAFKA_OAUTHBEARER_TOKEN_MODULE: module,
    });
    expect(sasl?.mechanism).toBe('oauthbearer');
    const provider = (sasl as { oauthBearerProvider: () => Promise<{ value: string }> }).oauthBearerProvider;
    await expect(provider()).resolves.toEqual({ value: 'signed-token' });
  });

  it('refuse a token module without a default function', async () => {
    const module = path.join(dir, 'not-a-provider.mjs');
    await writeFile(module, 'export const value = 1;\n');
    await expect(
      kafkaSecurityOptions({
        ...plain,
        KAFKA_SASL_MECHANISM: 'oauthbearer',
        KAFKA_OAUTHBEARER_TOKEN_MODULE: module,
      }),
    ).rejects.toThrow('has no default export function');
  });

  it('take OAUTHBEARER tokens by the client-credentials grant, again only when one is about to expire', async () => {
    const requests: { url: string; body: string; authorization: string }[] = [];
    const fakeFetch = ((url: string, init: RequestInit) => {
      requests.push({
        url,
        body: (init.body as URLSearchParams).toString(),
        authorization: (init.headers as Record<string, string>)['authorization'] ?? '',
      });
      return Promise.resolve(
        new Response(JSON.stringify({ access_token: `token-${requests.length}`, expires_in: 3600 })),
      );
    }) as typeof fetch;
    const provider = clientCredentialsTokenProvider(
      { tokenUrl: 'https://auth/token', clientId: 'kafka', clientSecret: 's3cret', scope: 'kafka' },
      fakeFetch,
    );
    await expect(provider()).resolves.toEqual({ value: 'token-1' });
    await expect(provider()).resolves.toEqual({ value: 'token-1' });
    expect(requests).toEqual([
      {
        url: 'https://auth/token',
        body: 'grant_type=client_credentials&scope=kafka',
        authorization: `Basic ${Buffer.from('kafka:s3cret').toString('base64')}`,
      },
    ]);
  });

  it('say what is missing or contradictory, one phrase each', () => {
    expect(
      securityProblems({ ...plain, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' }),
    ).toEqual(['KAFKA_SASL_MECHANISM scram-sha-512 needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD']);
    expect(securityProblems({ ...plain, KAFKA_SSL_CA: 'x' })).toEqual([
      'KAFKA_SSL_CA is set but KAFKA_SSL is not true',
    ]);
    expect(securityProblems({ ...plain, KAFKA_SSL: true, KAFKA_SSL_CERT: 'c' })).toEqual([
      'a client certificate needs its key, and a key its certificate',
    ]);
    expect(securityProblems({ ...plain, KAFKA_SASL_MECHANISM: 'oauthbearer' })[0]).toContain(
      'oauthbearer needs KAFKA_OAUTHBEARER_TOKEN_MODULE',
    );
    expect(securityProblems({ ...plain, SCHEMA_REGISTRY_USERNAME: 'key' })).toEqual([
      'SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD go together',
    ]);
  });

  it('fail the configuration with one line, and never show a password or key', () => {
    expect(() => loadConfig({ ...required, KAFKA_SASL_MECHANISM: 'plain' })).toThrow(
      'invalid configuration: KAFKA_SASL_MECHANISM plain needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD',
    );
    const config = loadConfig({
      ...required,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'allocations',
      KAFKA_SASL_PASSWORD: 'kafka-password',
      SCHEMA_REGISTRY_USERNAME: 'key',
      SCHEMA_REGISTRY_PASSWORD: 'registry-password',
    });
    const shown = JSON.stringify(redactedConfig(config));
    expect(shown).not.toContain('kafka-password');
    expect(shown).not.toContain('registry-password');
    expect(shown).toContain('"KAFKA_SASL_USERNAME":"allocations"');
  });

  it('give the registry client basic auth and a CA to trust', () => {
    const options = registrySecurityOptions({
      SCHEMA_REGISTRY_USERNAME: 'key',
      SCHEMA_REGISTRY_PASSWORD: 'pw',
      SCHEMA_REGISTRY_CA: 'CA',
    });
    expect(options.auth).toEqual({ username: 'key', password: 'pw' });
    expect(options.agent?.options.ca).toBe('CA');
    expect(registrySecurityOptions({})).toEqual({});
  });
});
