// The Kubernetes manifests of deploy/, rendered by the real kustomize (infra/kustomize.ts finds or fetches it).
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { ensureKustomize } from '../../infra/kustomize.ts';

export const deployDir = join(import.meta.dirname, '..', '..', 'deploy');

/** One rendered object, as kustomize printed it. */
export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

/** The environments deploy/overlays/ describes. */
export const overlays = (): string[] => readdirSync(join(deployDir, 'overlays')).sort();

/** `kustomize build` of one overlay: every object it renders. */
export async function render(overlay: string): Promise<RenderedObject[]> {
  const kustomize = await ensureKustomize();
  const { stdout } = await promisify(execFile)(
    kustomize.command,
    [...kustomize.args, join(deployDir, 'overlays', overlay)],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return parseAllDocuments(stdout).map((document) => {
    if (document.errors.length) throw new Error(`kustomize printed bad YAML: ${document.errors[0]?.message}`);
    return document.toJS() as RenderedObject;
  });
}

export interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
}

/** The groups of deploy/'s PrometheusRule, as a Prometheus rule file holds them. */
export async function ruleGroups(): Promise<{ groups: { name: string; rules: Rule[] }[] }> {
  const resource = parse(await readFile(join(deployDir, 'base', 'prometheus-rules.yaml'), 'utf8')) as {
    spec: { groups: { name: string; rules: Rule[] }[] };
  };
  return resource.spec;
}
