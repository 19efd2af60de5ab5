import { ConfigError, loadConfig, redactedConfig } from '../../src/config/config.ts';
import {
  checkStageSettings,
  connectorOptionsOf,
  processorOptionsOf,
  sinkOptionsOf,
} from '../../src/config/options.ts';

const minimal = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
  ALLOCATIONS_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/workforce-allocations-events',
  HMPPS_AUTH_URL: 'http://127.0.0.1:9090',
  HMPPS_AUTH_CLIENT_ID: 'workforce-allocations-to-delius',
  HMPPS_AUTH_CLIENT_SECRET: 'a-secret',
  DETAIL_URL_ALLOW_LIST: 'http://127.0.0.1:9090, https://workforce-allocations.hmpps.service.justice.gov.uk/',
  DATABASE_URL: 'postgres://delius_app@127.0.0.1:5432/delius',
};

describe('configuration', () => {
  it('applies defaults and normalises lists', () => {
    const config = loadConfig(minimal);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.DETAIL_URL_ALLOW_LIST).toEqual([
      'http://127.0.0.1:9090',
      'https://workforce-allocations.hmpps.service.justice.gov.uk',
    ]);
    expect(config.TOPIC_PARTITIONS).toBe(6);
  });

  it('has no default database: a sink without DATABASE_URL stops in one line, the other stages need none', () => {
    const { DATABASE_URL: _database, ...withoutDatabase } = minimal;
    const config = loadConfig(withoutDatabase);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(() => sinkOptionsOf(config)).toThrow(new ConfigError('DATABASE_URL is required to run the sink'));
    expect(processorOptionsOf(config).allowedOrigins).toHaveLength(2);
  });

  it('orders on the watermark by default, with its bound and the late delivery, and by the window alone when told', () => {
    const defaults = loadConfig(minimal);
    expect(sinkOptionsOf(defaults)).toMatchObject({ orderWindowMs: 60_000, publishBoundMs: 100 });
    expect(connectorOptionsOf(defaults).watermark).toEqual({ enabled: true, lateMs: 100 });
    const set = loadConfig({ ...minimal, ORDER_PUBLISH_BOUND_MS: '1000', SQS_LATE_DELIVERY_MS: '500' });
    expect(sinkOptionsOf(set).publishBoundMs).toBe(1_000);
    expect(connectorOptionsOf(set).watermark.lateMs).toBe(500);
    const off = loadConfig({ ...minimal, ORDER_WATERMARK: 'false' });
    expect(sinkOptionsOf(off).publishBoundMs).toBeUndefined();
    expect(connectorOptionsOf(off).watermark.enabled).toBe(false);
  });

  it('fails with one line naming each missing or malformed variable', () => {
    const { KAFKA_BROKERS: _brokers, ...withoutBrokers } = minimal;
    expect(() =>
      loadConfig({ ...withoutBrokers, TOPIC_PARTITIONS: 'many', DATABASE_URL: 'mysql://x' }),
    ).toThrow(ConfigError);
    try {
      loadConfig({ ...withoutBrokers, TOPIC_PARTITIONS: 'many', DATABASE_URL: 'mysql://x' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toContain('KAFKA_BROKERS is required');
      expect(message).toContain('TOPIC_PARTITIONS');
      expect(message).toContain('DATABASE_URL: oracle: or postgres: URL');
    }
  });

  it("gives each stage only what it uses: a stage runs without another stage's queue, client secret or database", () => {
    const {
      ALLOCATIONS_QUEUE_URL: _queue,
      HMPPS_AUTH_URL: _auth,
      HMPPS_AUTH_CLIENT_ID: _client,
      HMPPS_AUTH_CLIENT_SECRET: _secret,
      DETAIL_URL_ALLOW_LIST: _allowed,
      DATABASE_URL: _database,
      ...shared
    } = minimal;
    const connector = loadConfig({ ...shared, ALLOCATIONS_QUEUE_URL: minimal.ALLOCATIONS_QUEUE_URL });
    expect(() => checkStageSettings(connector, ['connector'])).not.toThrow();
    expect(connectorOptionsOf(connector).queueUrl).toBe(minimal.ALLOCATIONS_QUEUE_URL);
    const sink = loadConfig({ ...shared, DATABASE_URL: minimal.DATABASE_URL });
    expect(() => checkStageSettings(sink, ['sink'])).not.toThrow();
    expect(() => processorOptionsOf(sink)).toThrow(
      new ConfigError(
        'HMPPS_AUTH_URL is required; HMPPS_AUTH_CLIENT_ID is required; HMPPS_AUTH_CLIENT_SECRET is required; ' +
          'DETAIL_URL_ALLOW_LIST is required to run the processor',
      ),
    );
    expect(() => checkStageSettings(loadConfig(shared), ['connector', 'processor', 'sink'])).toThrow(
      new ConfigError(
        'ALLOCATIONS_QUEUE_URL is required to run the connector; HMPPS_AUTH_URL is required; ' +
          'HMPPS_AUTH_CLIENT_ID is required; HMPPS_AUTH_CLIENT_SECRET is required; DETAIL_URL_ALLOW_LIST is ' +
          'required to run the processor; DATABASE_URL is required to run the sink',
      ),
    );
  });

  it('never shows secrets', () => {
    const shown = JSON.stringify(
      redactedConfig(
        loadConfig({
          ...minimal,
          DATABASE_URL: 'oracle://delius:hunter2@db:1521/DNDA',
          ORACLE_WALLET_PASSWORD: 'wallet-pw-42',
        }),
      ),
    );
    expect(shown).not.toContain('a-secret');
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('wallet-pw-42');
    expect(shown).toContain('oracle://delius:[redacted]@db:1521/DNDA');
  });

  it.each([
    [
      'a password holding an @',
      { DATABASE_URL: 'postgres://delius:p4ss@w0rd-tail@db:5432/delius' },
      'w0rd-tail',
    ],
    ['a password with no user', { DATABASE_URL: 'postgres://:s3cret-pw@db:5432/delius' }, 's3cret-pw'],
    [
      'a password in the query',
      { DATABASE_URL: 'postgres://db:5432/delius?password=s3cret-pw' },
      's3cret-pw',
    ],
    [
      'userinfo in the registry URL',
      { SCHEMA_REGISTRY_URL: 'https://key:s3cret-pw@registry.example/apis' },
      's3cret-pw',
    ],
    ['userinfo in HMPPS Auth', { HMPPS_AUTH_URL: 'https://client:s3cret-pw@auth.example' }, 's3cret-pw'],
    [
      'userinfo in the token endpoint',
      {
        KAFKA_SASL_MECHANISM: 'oauthbearer',
        KAFKA_OAUTHBEARER_TOKEN_URL: 'https://c:s3cret-pw@token.example/t',
        KAFKA_OAUTHBEARER_CLIENT_ID: 'c',
        KAFKA_OAUTHBEARER_CLIENT_SECRET: 'x',
        KAFKA_SSL: 'true',
      },
      's3cret-pw',
    ],
    [
      'userinfo in the AWS endpoint',
      { AWS_ENDPOINT_URL: 'http://local:s3cret-pw@sqs.example:4566' },
      's3cret-pw',
    ],
  ])('shows no credential of a URL setting: %s', (_case, settings: Record<string, string>, secret) => {
    const shown = JSON.stringify(redactedConfig(loadConfig({ ...minimal, ...settings })));
    expect(shown).not.toContain(secret);
    expect(shown).toContain('[redacted]');
  });

  it.each([
    'file:///x',
    'data:application/json;base64',
    'ftp://workload.example',
    'https://user:pass@workload.example',
    'https://workload.example/allocation',
  ])('refuses an allow-list entry that is not an http(s) origin: %s', (entry) => {
    expect(() => loadConfig({ ...minimal, DETAIL_URL_ALLOW_LIST: entry })).toThrow(
      `DETAIL_URL_ALLOW_LIST.0: not an http(s) origin (scheme://host[:port]): ${entry}`,
    );
  });
});
