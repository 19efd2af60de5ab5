import { loadConfig } from '../../src/config/config.ts';
import { serviceInfo } from '../../src/service/info.ts';

const required = {
  KAFKA_BROKERS: 'kafka:9092',
  SCHEMA_REGISTRY_URL: 'http://registry:8080/apis/ccompat/v7',
  ALLOCATIONS_QUEUE_URL: 'http://sqs:4566/000000000000/workforce-allocations-events',
  HMPPS_AUTH_URL: 'https://sign-in.hmpps.service.justice.gov.uk/auth',
  HMPPS_AUTH_CLIENT_ID: 'workforce-allocations-to-delius',
  HMPPS_AUTH_CLIENT_SECRET: 'the-secret',
  DETAIL_URL_ALLOW_LIST: 'https://workload.hmpps.service.justice.gov.uk',
  DATABASE_URL: 'oracle://delius_app:the-password@delius-db:1521/DNDA',
};

describe('what /info shows', () => {
  it('says which build runs and where it came from, and not the configuration', () => {
    const info = serviceInfo(
      loadConfig({
        ...required,
        BUILD_NUMBER: '2026-12-06.1234.a1b2c3d',
        GIT_REF: 'a1b2c3d4e5f6',
        PRODUCT_ID: 'DPS999',
      }),
      ['sink'],
    );
    expect(info).toEqual({
      name: 'workforce-allocations-to-delius',
      version: '2026-12-06.1234.a1b2c3d',
      build: {
        number: '2026-12-06.1234.a1b2c3d',
        gitRef: 'a1b2c3d4e5f6',
        packageVersion: expect.any(String) as unknown,
      },
      productId: 'DPS999',
      stages: ['sink'],
    });
    // No host, queue or user name: the configuration is not there.
    for (const shown of ['delius-db', 'delius_app', 'sqs:4566', 'registry:8080'])
      expect(JSON.stringify(info)).not.toContain(shown);
  });

  it('marks a build of no pipeline as local, where the image was given no build number or none was built', () => {
    expect(serviceInfo(loadConfig(required), ['sink'])['version']).toMatch(/^\d+\.\d+\.\d+-local$/);
    // The Dockerfile's ENV carries an argument not given as an empty string.
    const unnumbered = serviceInfo(loadConfig({ ...required, BUILD_NUMBER: '', GIT_REF: '' }), ['sink']);
    expect(unnumbered['version']).toMatch(/-local$/);
    expect(unnumbered['build']).toEqual({ packageVersion: expect.any(String) as unknown });
  });

  it('shows the configuration, redacted, only where INFO_SHOW_CONFIG asks for it', () => {
    const info = serviceInfo(loadConfig({ ...required, INFO_SHOW_CONFIG: 'true' }), ['sink']);
    expect(info['config']).toMatchObject({ KAFKA_BROKERS: ['kafka:9092'] });
    expect(JSON.stringify(info)).not.toContain('the-secret');
    expect(JSON.stringify(info)).not.toContain('the-password');
  });
});
