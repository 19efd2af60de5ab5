// The Kubernetes manifests (deploy/), as kustomize renders each environment: valid against the Kubernetes and
// operators' schemas, and true to the service (its settings, its endpoints, its stop and its partitions).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { configSchema, loadConfig, stageNames, type StageName } from '../../src/config/config.ts';
import { checkStageSettings } from '../../src/config/options.ts';
import { operationsPaths } from '../../src/observability/operations-server.ts';
import { topologyOf } from '../../src/topology.ts';
import { deployDir, overlays, render, type RenderedObject } from '../support/manifests.ts';

/** Every kind the manifests may hold, with the schema it is checked against. */
const models: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

/** What each Secret a Deployment reads could hold, so that the whole environment can be loaded as the service would. */
const secretSamples: Record<string, string> = {
  KAFKA_SASL_USERNAME: 'workforce-allocations-to-delius',
  KAFKA_SASL_PASSWORD: 'a-password',
  ALLOCATIONS_QUEUE_URL: 'https://sqs.eu-west-2.amazonaws.com/000000000000/workforce-allocations',
  HMPPS_AUTH_CLIENT_ID: 'workforce-allocations-to-delius',
  HMPPS_AUTH_CLIENT_SECRET: 'a-secret',
  DATABASE_URL: 'oracle://delius_app:a-password@delius-db:1521/DNDA',
  APPLICATIONINSIGHTS_CONNECTION_STRING:
    'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://uksouth-1.in.applicationinsights.azure.com/',
};
/** The secrets each stage is given: what it uses and nothing else (Application Insights' for every stage). */
const secretsOf: Record<StageName, string[]> = {
  connector: [
    'ALLOCATIONS_QUEUE_URL',
    'APPLICATIONINSIGHTS_CONNECTION_STRING',
    'KAFKA_SASL_PASSWORD',
    'KAFKA_SASL_USERNAME',
  ],
  processor: [
    'APPLICATIONINSIGHTS_CONNECTION_STRING',
    'HMPPS_AUTH_CLIENT_ID',
    'HMPPS_AUTH_CLIENT_SECRET',
    'KAFKA_SASL_PASSWORD',
    'KAFKA_SASL_USERNAME',
  ],
  sink: [
    'APPLICATIONINSIGHTS_CONNECTION_STRING',
    'DATABASE_URL',
    'KAFKA_SASL_PASSWORD',
    'KAFKA_SASL_USERNAME',
  ],
};

interface Container {
  name: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
}
interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: {
    containers: Container[];
    terminationGracePeriodSeconds?: number;
    serviceAccountName?: string;
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  };
}
const specOf = <T>(object: RenderedObject) => object['spec'] as T;

/** The numeric user the production image runs as (the Dockerfile's last USER). */
function imageUser(): number {
  const users = [...readFileSync(join(deployDir, '..', 'Dockerfile'), 'utf8').matchAll(/^USER (\d+):\d+$/gm)];
  return Number(users.at(-1)?.[1]);
}

describe.each(overlays())('the %s environment, as kustomize renders it', (overlay) => {
  let objects: RenderedObject[];
  const ofKind = (kind: string) => objects.filter((object) => object.kind === kind);
  const named = (kind: string, name: string) => {
    const found = ofKind(kind).find((object) => object.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name}`);
    return found;
  };
  const deploymentOf = (stage: StageName) => named('Deployment', `allocations-${stage}`);
  const containerOf = (stage: StageName) => {
    const [container, ...others] = specOf<{ template: PodTemplate }>(deploymentOf(stage)).template.spec
      .containers;
    if (!container || others.length) throw new Error(`the ${stage} should run one container`);
    return container;
  };
  /** The environment a stage's container is given, its secrets filled with samples. */
  const environmentOf = (stage: StageName) => {
    const container = containerOf(stage);
    const env: Record<string, string> = {};
    for (const source of container.envFrom ?? []) {
      const configMap = named('ConfigMap', source.configMapRef?.name ?? '(none)');
      Object.assign(env, configMap['data']);
    }
    const secrets: string[] = [];
    for (const variable of container.env ?? []) {
      if (variable.valueFrom?.secretKeyRef) {
        secrets.push(variable.name);
        const sample = secretSamples[variable.name];
        if (sample === undefined) throw new Error(`no sample for the secret ${variable.name}`);
        env[variable.name] = sample;
      } else env[variable.name] = variable.value ?? '';
    }
    return { env, secrets: secrets.sort() };
  };

  beforeAll(async () => {
    objects = await render(overlay);
  });

  it('holds only objects of known kinds, each valid against its schema, all in the environment’s namespace', () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const object of objects) {
      const Model = models[`${object.apiVersion}/${object.kind}`];
      expect([object.kind, object.metadata.name, Model !== undefined]).toEqual([
        object.kind,
        object.metadata.name,
        true,
      ]);
      // Throws, naming the field, where the object breaks its schema.
      new Model!(object as never).validate();
      expect(object.metadata.namespace).toBe(`workforce-allocations-to-delius-${overlay}`);
    }
  });

  it('runs each stage of the one image as a Deployment of its own, as the non-root user the image names', () => {
    const images = new Set<string>();
    for (const stage of stageNames) {
      const container = containerOf(stage);
      expect(container.args).toEqual(['--stage', stage]);
      images.add((container as { image?: string }).image ?? '');
      const pod = specOf<{ template: PodTemplate }>(deploymentOf(stage)).template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: imageUser() });
      expect(pod.serviceAccountName).toBe(
        named('ServiceAccount', 'workforce-allocations-to-delius').metadata.name,
      );
      expect(container.resources?.requests?.['memory']).toMatch(/^\d+Mi$/);
      expect(container.resources?.requests?.['cpu']).toMatch(/^\d+m$/);
      expect(container.resources?.limits?.['memory']).toMatch(/^\d+Mi$/);
    }
    expect(ofKind('Deployment')).toHaveLength(stageNames.length);
    expect(images.size).toBe(1);
    expect([...images][0]).toMatch(/^ghcr\.io\/ministryofjustice\/workforce-allocations-to-delius:/);
  });

  it('sets only variables the configuration knows, and each stage’s environment loads as the service loads it', () => {
    const known = new Set(Object.keys(configSchema.shape));
    for (const stage of stageNames) {
      const { env, secrets } = environmentOf(stage);
      for (const name of Object.keys(env))
        expect([stage, name, known.has(name)]).toEqual([stage, name, true]);
      // The image sets NODE_ENV=production: production's defaults apply.
      const config = loadConfig({ ...env, NODE_ENV: 'production' });
      expect(() => checkStageSettings(config, [stage])).not.toThrow();
      expect([stage, secrets]).toEqual([stage, secretsOf[stage]]);
    }
  });

  it('probes real endpoints on the port the service listens on, and waits out a start', () => {
    for (const stage of stageNames) {
      const container = containerOf(stage);
      const port = loadConfig({ ...environmentOf(stage).env, NODE_ENV: 'production' }).HTTP_PORT;
      const portOf = (name: number | string) =>
        typeof name === 'number'
          ? name
          : container.ports?.find((entry) => entry.name === name)?.containerPort;
      const probes = {
        liveness: container.livenessProbe,
        readiness: container.readinessProbe,
        startup: container.startupProbe,
      };
      expect(probes.liveness?.httpGet?.path).toBe('/health/liveness');
      expect(probes.readiness?.httpGet?.path).toBe('/health/readiness');
      for (const [kind, probe] of Object.entries(probes)) {
        const get = probe?.httpGet;
        expect([stage, kind, (operationsPaths as readonly string[]).includes(get?.path ?? '')]).toEqual([
          stage,
          kind,
          true,
        ]);
        expect([stage, kind, get && portOf(get.port)]).toEqual([stage, kind, port]);
      }
    }
  });

  it('gives each stage a grace period that covers its stop', () => {
    const grace = (stage: StageName) =>
      specOf<{ template: PodTemplate }>(deploymentOf(stage)).template.spec.terminationGracePeriodSeconds ??
      30;
    const configOf = (stage: StageName) =>
      loadConfig({ ...environmentOf(stage).env, NODE_ENV: 'production' });
    // The connector lets its SQS receive in flight finish; the sink its Delius statements; the processor its
    // Workload API requests.
    expect(grace('connector')).toBeGreaterThanOrEqual(configOf('connector').SQS_WAIT_TIME_SECONDS + 10);
    expect(grace('sink')).toBeGreaterThanOrEqual(configOf('sink').DATABASE_STATEMENT_TIMEOUT_MS / 1000 + 10);
    const processor = configOf('processor');
    expect(grace('processor')).toBeGreaterThanOrEqual(
      (processor.DETAIL_CONNECT_TIMEOUT_MS + processor.DETAIL_READ_TIMEOUT_MS) / 1000 + 10,
    );
  });

  it('keeps a pod of each stage through a voluntary disruption', () => {
    for (const stage of stageNames) {
      const labels = specOf<{ template: PodTemplate }>(deploymentOf(stage)).template.metadata.labels;
      const budgets = ofKind('PodDisruptionBudget').filter((budget) =>
        Object.entries(
          specOf<{ selector: { matchLabels: Record<string, string> } }>(budget).selector.matchLabels,
        ).every(([key, value]) => labels[key] === value),
      );
      expect([stage, budgets.length]).toEqual([stage, 1]);
      expect(specOf<{ maxUnavailable?: number }>(budgets[0]!).maxUnavailable).toBe(1);
      const scaled = named('ScaledObject', `allocations-${stage}`);
      expect(specOf<{ minReplicaCount: number }>(scaled).minReplicaCount).toBeGreaterThanOrEqual(2);
    }
  });

  it('scales each stage on its backlog, a consumer stage never past its topic’s partitions', () => {
    for (const stage of stageNames) {
      const config = loadConfig({ ...environmentOf(stage).env, NODE_ENV: 'production' });
      const scaled = specOf<{
        scaleTargetRef: { name: string };
        maxReplicaCount: number;
        triggers: { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[];
      }>(named('ScaledObject', `allocations-${stage}`));
      expect(scaled.scaleTargetRef.name).toBe(deploymentOf(stage).metadata.name);
      expect(scaled.maxReplicaCount).toBeLessThanOrEqual(config.TOPIC_PARTITIONS);
      const [trigger] = scaled.triggers;
      named('TriggerAuthentication', trigger?.authenticationRef?.name ?? '(none)');
      const fromEnv = Object.entries(trigger?.metadata ?? {}).filter(([key]) => key.endsWith('FromEnv'));
      for (const [, variable] of fromEnv) expect(environmentOf(stage).env[variable]).toBeDefined();
      if (stage === 'connector') {
        expect(trigger).toMatchObject({ type: 'aws-sqs-queue', metadata: { awsRegion: config.AWS_REGION } });
        continue;
      }
      const route = topologyOf(config)[stage];
      expect(trigger).toMatchObject({
        type: 'kafka',
        metadata: { consumerGroup: route.groupId, topic: route.input.topic },
      });
    }
  });

  it('has Prometheus scrape every stage’s metrics endpoint, and loads the alert rules and the dashboard', () => {
    const monitor = specOf<{
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; path: string }[];
    }>(named('ServiceMonitor', 'workforce-allocations-to-delius'));
    expect(monitor.endpoints.map((endpoint) => endpoint.path)).toEqual(['/metrics']);
    expect(operationsPaths).toContain('/metrics');
    for (const stage of stageNames) {
      const service = named('Service', `allocations-${stage}`);
      const labels = service.metadata.labels ?? {};
      expect(
        Object.entries(monitor.selector.matchLabels).every(([key, value]) => labels[key] === value),
      ).toBe(true);
      const ports = specOf<{ ports: { name: string; targetPort: string }[] }>(service).ports;
      const scraped = ports.find((port) => port.name === monitor.endpoints[0]?.port);
      expect(containerOf(stage).ports?.map((port) => port.name)).toContain(scraped?.targetPort);
    }
    expect(ofKind('PrometheusRule')).toHaveLength(1);
    const dashboard = named('ConfigMap', 'allocations-grafana-dashboard');
    expect(dashboard.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    const json = JSON.parse(
      String((dashboard['data'] as Record<string, string>)['grafana-dashboard.json']),
    ) as {
      uid: string;
    };
    expect(json.uid).toBe('workforce-allocations-to-delius');
  });
});

describe('the environments', () => {
  it('are the three HMPPS environments', () => {
    expect(overlays()).toEqual(['dev', 'preprod', 'prod']);
  });
});
