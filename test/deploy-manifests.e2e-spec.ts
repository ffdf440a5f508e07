/**
 * The Kubernetes manifests in deploy/kubernetes: valid against the Kubernetes schemas, selectors that
 * select the pods, settings the gateway actually reads, probes on paths the real app serves, and a
 * termination grace that outlasts the gateway's own drain (docker/compose.yaml's too).
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parseAllDocuments } from 'yaml';
import { CONFIG_SCHEMA } from '../src/config/config-schema.js';
import { RawEnv } from '../src/config/env-fields.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

const DIR = join(process.cwd(), 'deploy', 'kubernetes');

type Manifest = { kind: string; metadata: { name: string }; [key: string]: unknown };

function manifests(): Map<string, Manifest> {
  const byKind = new Map<string, Manifest>();
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const doc of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      const value = doc.toJS() as Manifest;
      byKind.set(value.kind, value);
    }
  }
  return byKind;
}

/** Names .env.example documents (commented-out ones too). */
function documentedVariables(): Set<string> {
  const text = readFileSync(join(process.cwd(), '.env.example'), 'utf8');
  return new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
}

const all = manifests();
const deployment = all.get('Deployment') as unknown as Deployment;
const pod = deployment.spec!.template.spec!;
const container = pod.containers[0];

describe('deploy/kubernetes', () => {
  it('lists every manifest in its kustomization, and only files that exist', () => {
    const kustomization = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0].toJS() as { resources: string[] };
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    for (const resource of kustomization.resources) expect(existsSync(join(DIR, resource))).toBe(true);
  });

  it('validates each object against the Kubernetes schema', () => {
    expect([...all.keys()].sort()).toEqual(['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service']);
    const models = {
      ConfigMap: (v: unknown) => new ConfigMap(v as never),
      Deployment: (v: unknown) => new Deployment(v as never),
      PodDisruptionBudget: (v: unknown) => new PodDisruptionBudget(v as never),
      Service: (v: unknown) => new Service(v as never),
    } as const;
    for (const [kind, value] of all) {
      expect(() => models[kind as keyof typeof models](value).validate()).not.toThrow();
    }
  });

  it('refuses a broken object (the validation can fail)', () => {
    const broken = structuredClone(all.get('Deployment')) as unknown as { spec: { replicas: unknown } };
    broken.spec.replicas = 'three';
    expect(() => new Deployment(broken as never).validate()).toThrow();
  });

  it('selects its own pods from the Deployment, the Service and the PodDisruptionBudget', () => {
    const labels = deployment.spec!.template.metadata!.labels!;
    const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(matches(deployment.spec!.selector.matchLabels!)).toBe(true);
    expect(matches((all.get('Service') as unknown as Service).spec!.selector!)).toBe(true);
    expect(matches((all.get('PodDisruptionBudget') as unknown as PodDisruptionBudget).spec!.selector!.matchLabels!)).toBe(true);
    expect(deployment.spec!.replicas).toBeGreaterThan(1);
  });

  it('sets only variables the gateway reads, and keeps secrets out of the ConfigMap', () => {
    const documented = documentedVariables();
    const data = (all.get('ConfigMap') as unknown as ConfigMap).data!;
    for (const name of Object.keys(data)) expect({ name, documented: documented.has(name) }).toEqual({ name, documented: true });
    const secretKeys = [...readFileSync(join(DIR, 'secret.example.env'), 'utf8').matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    for (const name of secretKeys) expect({ name, documented: documented.has(name) }).toEqual({ name, documented: true });
    for (const secret of ['JWT_SECRET', 'SESSION_SECRET', 'UPSTREAM_API_KEY', 'AUTH0_CLIENT_SECRET', 'REDIS_URL']) {
      expect(secretKeys).toContain(secret);
      expect(Object.keys(data)).not.toContain(secret);
    }
  });

  it('gives SIGTERM more time than the gateway drains for', () => {
    const data = (all.get('ConfigMap') as unknown as ConfigMap).data!;
    const preStopSeconds = Number(container.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(Number(data.SHUTDOWN_GRACE_MS) + preStopSeconds * 1000);
  });

  it('gives SIGTERM more time than the gateway drains for under docker compose too', () => {
    const compose = parseAllDocuments(readFileSync(join(process.cwd(), 'docker', 'compose.yaml'), 'utf8'))[0].toJS() as {
      services: { gateway: { stop_grace_period?: string; environment?: Record<string, string> } };
    };
    const gateway = compose.services.gateway;
    // The drain the gateway gets there: .env may not set SHUTDOWN_GRACE_MS, so its default counts.
    const drainMs = Number(gateway.environment?.SHUTDOWN_GRACE_MS ?? CONFIG_SCHEMA.failClosed.shutdownGraceMs.read(new RawEnv({}), []));
    const grace = /^(\d+)s$/.exec(gateway.stop_grace_period ?? '');
    expect(grace).not.toBeNull();
    expect(Number(grace![1]) * 1000).toBeGreaterThan(drainMs);
  });

  it('starts the image with the same Node flags as npm start (the flags the benchmark measures)', () => {
    const start = (JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const dockerfile = readFileSync(join(process.cwd(), 'docker', 'Dockerfile'), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    expect(cmd).not.toBeNull();
    expect((JSON.parse(cmd![1]) as string[]).join(' ')).toBe(start);
    // The container runs the image's command: a manifest that set one would drop the flags.
    expect(container.command).toBeUndefined();
    expect(container.args).toBeUndefined();
  });

  describe('probes against the real app', () => {
    let stack: GatewayStack;
    beforeAll(async () => {
      stack = await startGatewayStack();
    });
    afterAll(async () => {
      await stack.close();
    });

    it('answers 200 on every probe path while Redis is healthy', async () => {
      const paths = [container.readinessProbe, container.livenessProbe, container.startupProbe].map((probe) => probe?.httpGet?.path);
      for (const path of paths) {
        expect(path).toBeDefined();
        const res = await fetch(`${stack.gw.url}${path}`);
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
      }
    });
  });
});
