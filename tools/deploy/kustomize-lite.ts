import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

/** A Kubernetes object as rendered. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

interface Kustomization {
  resources?: string[];
  namespace?: string;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  replicas?: Array<{ name: string; count: number }>;
  labels?: Array<{ pairs: Record<string, string>; includeSelectors?: boolean }>;
  [key: string]: unknown;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'replicas', 'labels']);

/**
 * Renders a kustomization folder offline, for the tests: the subset of kustomize the fleet's
 * overlays use — `resources` (files and folders), `namespace`, `images`, `replicas` and `labels`
 * (without selectors). Any other field fails loudly, so the overlays cannot outgrow this renderer
 * unnoticed.
 */
export function kustomizeBuild(dir: string): K8sObject[] {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const unknown = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml: unsupported fields ${unknown.join(', ')}`);
  const objects: K8sObject[] = [];
  for (const resource of k.resources ?? []) {
    const path = resolve(dir, resource);
    if (statSync(path).isDirectory()) objects.push(...kustomizeBuild(path));
    else objects.push(...parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as K8sObject).filter((o) => o !== null));
  }
  for (const o of objects) {
    if (k.namespace) o.metadata.namespace = k.namespace;
    for (const { pairs } of k.labels ?? []) o.metadata.labels = { ...o.metadata.labels, ...pairs };
    if (o.kind === 'Deployment' || o.kind === 'Job') {
      const template = (o.spec?.['template'] as { spec: { containers: Array<{ image: string }> } } | undefined)?.spec;
      for (const c of template?.containers ?? []) {
        const [name, tag] = c.image.split(':');
        const image = (k.images ?? []).find((i) => i.name === name);
        if (image) c.image = `${image.newName ?? name}:${image.newTag ?? tag}`;
      }
    }
    const replicas = (k.replicas ?? []).find((r) => r.name === o.metadata.name);
    if (replicas && o.kind === 'Deployment' && o.spec) o.spec['replicas'] = replicas.count;
  }
  return objects;
}
