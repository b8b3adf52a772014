// The real helm binary (Helm 4 or Helm 3) against a test cluster, and what every chart test
// checks the same way whichever Helm runs it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { projectRoot } from '../../lib/cli/version.js';

export type Helm = (args: string[]) => { code: number; out: string };

/** Runs `bin` with the cluster's kubeconfig; a failure is { code, out: stdout + stderr }, not a throw. */
export function helmRunner(bin: string, kubeconfig: () => string): Helm {
  return (args) => {
    try {
      const out = execFileSync(bin, ['--kubeconfig', kubeconfig(), ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      });
      return { code: 0, out };
    } catch (err) {
      const e = err as { status?: number; stdout?: string; stderr?: string };
      return { code: e.status ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  };
}

/** `--set` values values.schema.json (or a template's fail) must refuse, and what the refusal names. */
export const BAD_VALUES: [string, RegExp][] = [
  ['replicaCount=0', /\/replicaCount': minimum: got 0, want 1/],
  ['engine.address=zeebe:26500', /\/engine\/address': 'zeebe:26500' does not match pattern/],
  ['backlog.source=kafka', /\/backlog\/source'/],
  ['bogus=1', /additional properties 'bogus' not allowed/],
  ['tracing.otlp.endpoint=collector:4318', /\/tracing\/otlp\/endpoint': 'collector:4318' does not match pattern/],
  ['engine.auth.strategy=OAUTH', /engine.auth.strategy is OAUTH: set engine.auth.existingSecret/],
  ['bundledEngine.auth.enabled=yes', /\/bundledEngine\/auth\/enabled'/],
];

/** The values presets of helm/, each with a golden rendering in e2e/testdata/chart/. */
export const PRESET_NAMES = ['dev', 'camunda-self-managed', 'camunda-saas'] as const;

/**
 * The bundled engine's token as `helm template` makes it: 48 random characters, base64 — new on
 * every render (only an install or upgrade sees the Secret it keeps), so golden files hold this.
 */
export const RANDOM_TOKEN = /^( {2}token: )[A-Za-z0-9+/]{64}$/m;

/** `helm template` of the chart with one preset, as the golden files were made (the random token replaced). */
export function renderPreset(helm: Helm, preset: string): { code: number; out: string } {
  const r = helm([
    'template',
    'procos',
    join(projectRoot(), 'charts/procos'),
    '--namespace',
    'procos-system',
    '-f',
    join(projectRoot(), 'helm', `values-${preset}.yaml`),
  ]);
  return { ...r, out: r.out.replace(RANDOM_TOKEN, '$1<random: 48 characters, base64>') };
}

export const goldenFile = (preset: string): string => join(projectRoot(), 'e2e/testdata/chart', `${preset}.yaml`);

/** The namespaced kinds a release of the chart creates (what an uninstall must take away). */
const RELEASE_KINDS = [
  'deployment',
  'statefulset',
  'service',
  'serviceaccount',
  'role',
  'rolebinding',
  'configmap',
  'secret',
];

/** After an uninstall: no object of the release is left in its namespace, kind by kind. */
export function expectReleaseGone(kubectl: (args: string[]) => string, ns: string, release: string): void {
  for (const kind of RELEASE_KINDS)
    expect(
      kubectl(['-n', ns, 'get', kind, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']).trim(),
      kind,
    ).toBe('');
}
