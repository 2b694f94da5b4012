// The Kubernetes manifests are checked as files: no cluster runs here. What is checked is
// what would otherwise only show in a cluster: a pod that cannot start (a setting missing,
// a Secret key that does not exist, a value its schema refuses), a service left out, probes
// on the wrong port, a drain cut short by SIGKILL, two pods of a singleton at once.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '@flowline/service-runtime';
import { deployableApps } from '@flowline/testing';
import { CONFIG_MAP, manifestFiles, SECRET, serviceEnv } from './manifests';
import { SERVICES } from './services';

const k8sRoot = path.resolve(__dirname, '..');
const repoRoot = path.resolve(k8sRoot, '../..');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef?: { name: string; key: string }; secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet: { path: string; port: string };
}
interface Container {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  env: EnvVar[];
  startupProbe: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  securityContext: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts: { name: string; mountPath: string }[];
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec: {
    replicas?: number;
    strategy?: { type: string };
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    ports?: { name: string; port: number; targetPort: string }[];
    template?: {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds: number;
        securityContext: { runAsNonRoot?: boolean };
        containers: Container[];
        volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[];
      };
    };
  };
}

function manifestsIn(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(path.join(k8sRoot, 'base', file), 'utf8')).map(
    (document) => document.toJS() as Manifest,
  );
}

function only(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((manifest) => manifest.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as Manifest;
}

function exampleSecret(): Record<string, string> {
  const entries = readFileSync(path.join(k8sRoot, 'secrets.example.env'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
  return Object.fromEntries(entries);
}

/** The environment a pod of the Deployment would get, resolved as the kubelet does; an unresolvable reference fails. */
function podEnvironment(container: Container): Record<string, string> {
  const configMap = only(manifestsIn('config.yaml'), 'ConfigMap');
  const secret = exampleSecret();
  const env: Record<string, string> = {};
  for (const variable of container.env) {
    const fromConfig = variable.valueFrom?.configMapKeyRef;
    const fromSecret = variable.valueFrom?.secretKeyRef;
    if (fromConfig !== undefined) {
      expect(fromConfig.name).toBe(configMap.metadata.name);
      expect(Object.keys(configMap.data ?? {})).toContain(fromConfig.key);
      env[variable.name] = configMap.data?.[fromConfig.key] as string;
    } else if (fromSecret !== undefined) {
      expect(fromSecret.name).toBe(SECRET);
      expect(Object.keys(secret)).toContain(fromSecret.key);
      env[variable.name] = secret[fromSecret.key] as string;
    } else {
      env[variable.name] = variable.value as string;
    }
  }
  return env;
}

describe('Kubernetes manifests (deploy/k8s)', () => {
  it('are what services.ts and the config schemas give (else run `npm run k8s:generate`)', () => {
    const expected = manifestFiles();
    const onDisk = readdirSync(path.join(k8sRoot, 'base')).map((name) => `base/${name}`);
    expect(onDisk.sort()).toEqual([...expected.keys()].sort());
    for (const [file, text] of expected)
      expect({ file, text: readFileSync(path.join(k8sRoot, file), 'utf8') }).toEqual({ file, text });
  });

  it("are valid Kubernetes objects (the API's own OpenAPI schemas, as kubernetes-models carries them)", () => {
    const models: Record<string, (data: Manifest) => { validate(): void }> = {
      Deployment: (data) => new Deployment(data as never),
      Service: (data) => new Service(data),
      PodDisruptionBudget: (data) => new PodDisruptionBudget(data),
      ConfigMap: (data) => new ConfigMap(data),
      Namespace: (data) => new Namespace(data as never),
      PersistentVolumeClaim: (data) => new PersistentVolumeClaim(data),
    };
    const complaints: { file: string; kind: string; error: string }[] = [];
    const kinds = new Set<string>();
    for (const file of readdirSync(path.join(k8sRoot, 'base')).filter((name) => name !== 'kustomization.yaml')) {
      for (const manifest of manifestsIn(file)) {
        kinds.add(manifest.kind);
        const model = models[manifest.kind];
        try {
          if (model === undefined) throw new Error('no schema for this kind here');
          model(manifest).validate();
        } catch (error) {
          complaints.push({ file, kind: manifest.kind, error: (error as Error).message });
        }
      }
    }
    expect(complaints).toEqual([]);
    expect(kinds).toEqual(new Set(Object.keys(models)));
    // The check bites: a Deployment whose replica count is not a number is refused.
    const router = only(manifestsIn('router.yaml'), 'Deployment');
    expect(() =>
      models['Deployment']?.({ ...router, spec: { ...router.spec, replicas: 'two' as never } }).validate(),
    ).toThrow(/replicas must be integer/);
  });

  it('deploy every service under apps/, each in the kustomization', () => {
    const apps = deployableApps(repoRoot);
    expect(apps.length).toBeGreaterThan(0);
    expect(SERVICES.map((spec) => spec.app).sort()).toEqual(apps);
    const kustomization = only(
      parseAllDocuments(readFileSync(path.join(k8sRoot, 'base/kustomization.yaml'), 'utf8')).map(
        (d) => d.toJS() as Manifest,
      ),
      'Kustomization',
    ) as unknown as {
      resources: string[];
    };
    for (const app of apps) {
      expect(kustomization.resources).toContain(`${app}.yaml`);
      const manifests = manifestsIn(`${app}.yaml`);
      expect(only(manifests, 'Deployment').metadata.name).toBe(app);
      expect(only(manifests, 'Service').metadata.name).toBe(app);
    }
  });

  it('are re-checked by Nx whenever a service changes (every app is an implicit dependency of k8s-manifests)', () => {
    // services.ts reads every app's config schema by a relative path, which Nx's project graph does not follow.
    const project = JSON.parse(readFileSync(path.join(k8sRoot, 'project.json'), 'utf8')) as {
      implicitDependencies?: string[];
    };
    const appProjects = deployableApps(repoRoot).map(
      (app) =>
        (JSON.parse(readFileSync(path.join(repoRoot, 'apps', app, 'project.json'), 'utf8')) as { name: string }).name,
    );
    expect(appProjects.filter((name) => !(project.implicitDependencies ?? []).includes(name))).toEqual([]);
  });

  describe.each(SERVICES.map((spec) => [spec.app, spec] as const))('%s', (app, spec) => {
    const manifests = (): Manifest[] => manifestsIn(`${app}.yaml`);
    const pod = (): NonNullable<Manifest['spec']['template']> =>
      only(manifests(), 'Deployment').spec.template as NonNullable<Manifest['spec']['template']>;
    const container = (): Container => {
      expect(pod().spec.containers).toHaveLength(1);
      return pod().spec.containers[0] as Container;
    };

    it('starts: its config schema accepts what the cluster gives it, and nothing points at localhost', () => {
      const env = podEnvironment(container());
      const config: Record<string, unknown> = loadConfig(spec.configSchema, env);
      // Every variable set is one the service reads, and no connection falls back to its local default.
      expect(Object.keys(env).filter((name) => !(name in spec.configSchema.shape))).toEqual([]);
      expect(JSON.stringify(config)).not.toMatch(/127\.0\.0\.1|localhost/);
    });

    it('is probed, scraped and served on the port it listens on', () => {
      const config = loadConfig(spec.configSchema, podEnvironment(container())) as { PORT: number };
      const c = container();
      expect(c.image).toBe(`flowline/${app}:0.1.0`);
      expect(c.ports).toEqual([{ name: 'http', containerPort: config.PORT }]);
      expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(pod().metadata.annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(config.PORT),
        'prometheus.io/path': '/metrics',
      });
      const service = only(manifests(), 'Service');
      expect(service.spec.ports).toEqual([{ name: 'http', port: config.PORT, targetPort: 'http' }]);
      expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': app });
      expect(pod().metadata.labels).toMatchObject({ 'app.kubernetes.io/name': app });
    });

    it('is given longer than its own drain deadline after SIGTERM before Kubernetes kills it', () => {
      const config = loadConfig(spec.configSchema, podEnvironment(container())) as { SHUTDOWN_TIMEOUT_MS: number };
      expect(pod().spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.SHUTDOWN_TIMEOUT_MS);
    });

    it('runs as the image’s unprivileged user on a read-only root, with its writable paths mounted', () => {
      expect(pod().spec.securityContext.runAsNonRoot).toBe(true);
      expect(container().securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      const mounts = container().volumeMounts.map((mount) => mount.mountPath);
      expect(mounts).toContain('/tmp');
      if (spec.dataVolume !== undefined) {
        expect(mounts).toContain('/data');
        expect(only(manifests(), 'PersistentVolumeClaim').metadata.name).toBe(`${app}-data`);
      }
    });

    it(
      spec.singleton === undefined
        ? 'scales out, and a node drain takes one pod at a time'
        : 'never runs two pods at once, not even during a rollout',
      () => {
        const deployment = only(manifests(), 'Deployment');
        if (spec.singleton === undefined) {
          expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
          expect(deployment.spec.strategy?.type).toBe('RollingUpdate');
          expect(only(manifests(), 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1 });
        } else {
          expect(deployment.spec.replicas).toBe(1);
          expect(deployment.spec.strategy?.type).toBe('Recreate');
        }
      },
    );
  });

  it('gives credentials only from the Secret and the rest from the shared ConfigMap', () => {
    const routed = SERVICES.flatMap((spec) => serviceEnv(spec).map((variable) => ({ app: spec.app, ...variable })));
    const databaseUrls = routed.filter((variable) => variable.name === 'DATABASE_URL');
    expect(databaseUrls.length).toBeGreaterThan(0);
    for (const variable of databaseUrls)
      expect(variable).toMatchObject({ valueFrom: { secretKeyRef: { name: SECRET, key: 'DATABASE_URL' } } });
    for (const variable of routed.filter((v) => v.name === 'KAFKA_BROKERS'))
      expect(variable).toMatchObject({ valueFrom: { configMapKeyRef: { name: CONFIG_MAP } } });
    // The router reads no database: it is not handed the credentials.
    expect(routed.filter((variable) => variable.app === 'router').map((variable) => variable.name)).not.toContain(
      'DATABASE_URL',
    );
  });

  it('refuses a setting in services.ts that the service’s schema does not read', () => {
    const [first] = SERVICES;
    expect(() => serviceEnv({ ...(first as (typeof SERVICES)[number]), settings: { NOT_A_SETTING: 'x' } })).toThrow(
      /sets NOT_A_SETTING, which its config schema does not read/,
    );
  });
});
