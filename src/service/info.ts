import { readFileSync } from 'node:fs';
import { redactedConfig, type Config, type StageName } from '../config/config.ts';

const packageInfo = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

/**
 * What /info shows: which build runs and where it came from, as HMPPS services show it. The version is the build
 * number where the image was given one (HMPPS numbers builds by date, so it says which build this is), else the
 * package's version, marked as a build of no pipeline. The configuration only where INFO_SHOW_CONFIG asks for it.
 */
export function serviceInfo(config: Config, stages: readonly StageName[]): Record<string, unknown> {
  return {
    name: packageInfo.name,
    version: config.BUILD_NUMBER ?? `${packageInfo.version}-local`,
    build: {
      ...(config.BUILD_NUMBER ? { number: config.BUILD_NUMBER } : {}),
      ...(config.GIT_REF ? { gitRef: config.GIT_REF } : {}),
      packageVersion: packageInfo.version,
    },
    ...(config.PRODUCT_ID ? { productId: config.PRODUCT_ID } : {}),
    stages,
    ...(config.INFO_SHOW_CONFIG ? { config: redactedConfig(config) } : {}),
  };
}
