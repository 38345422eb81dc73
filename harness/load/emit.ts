// `syncwright load fanout --emit k6-operator`: the same test as a k6-operator TestRun, for a cluster to
// run against an external target. k6-operator starts `parallelism` runner pods and gives each the
// execution segment segments.ts gives each local process, so N pods carry the load N local
// segments would. The script travels as a `k6 archive` (script, modules, config, environment) in
// a ConfigMap, mounted by the operator at /test. Nothing is run here.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { archiveK6 } from './k6.ts';
import { fanoutConfig, shapeOn, type FanoutSize } from './fanout.ts';
import type { LoadTarget } from './target.ts';
import { K6_VERSION } from '../setup/k6.ts';

export const OPERATOR_API_VERSION = 'k6.io/v1alpha1';
/** The ConfigMap key (and file under /test) that holds the archive. */
export const ARCHIVE_KEY = 'archive.tar';
/** Kubernetes refuses a ConfigMap whose data passes 1 MiB. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;
/** The runners' image: the k6 the harness builds, so the cluster runs what runs here. */
export const RUNNER_IMAGE = `grafana/k6:${K6_VERSION.replace(/^v/, '')}`;

export interface Manifests {
  configMap: { apiVersion: 'v1'; kind: 'ConfigMap'; metadata: { name: string; labels: Record<string, string> }; binaryData: Record<string, string> };
  testRun: {
    apiVersion: typeof OPERATOR_API_VERSION; kind: 'TestRun'; metadata: { name: string; labels: Record<string, string> };
    spec: { parallelism: number; script: { configMap: { name: string; file: string } }; arguments: string; runner: { image: string } };
  };
}

const LABELS = { 'app.kubernetes.io/managed-by': 'syncwright' };

/** The ConfigMap holding `archive` and the TestRun that runs it on `parallelism` runners. */
export function operatorManifests(name: string, archive: Buffer, parallelism: number): Manifests {
  if (archive.length > CONFIGMAP_MAX_BYTES) {
    throw new Error(`the k6 archive is ${Math.ceil(archive.length / 1024)} KiB and a ConfigMap holds at most ${CONFIGMAP_MAX_BYTES / 1024} KiB: load fewer users`);
  }
  return {
    configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: LABELS }, binaryData: { [ARCHIVE_KEY]: archive.toString('base64') } },
    testRun: {
      apiVersion: OPERATOR_API_VERSION, kind: 'TestRun', metadata: { name, labels: LABELS },
      spec: { parallelism, script: { configMap: { name, file: ARCHIVE_KEY } }, arguments: '--no-usage-report', runner: { image: RUNNER_IMAGE } },
    },
  };
}

/**
 * configmap.json and testrun.json in `dir` (JSON, which kubectl applies; the ConfigMap sorts first,
 * so `kubectl apply -f dir` makes it before the TestRun that mounts it). Their paths.
 */
export async function writeManifests(dir: string, m: Manifests): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = [path.join(dir, 'configmap.json'), path.join(dir, 'testrun.json')];
  await writeFile(files[0]!, `${JSON.stringify(m.configMap, null, 2)}\n`);
  await writeFile(files[1]!, `${JSON.stringify(m.testRun, null, 2)}\n`);
  return files;
}

export interface Emitted { files: string[]; tokensExpireAt?: string }

/**
 * Prepares a fan-out on `target` (its users' files are created and kept: the cluster renames them
 * later), archives k6/fanout.ts with that config and writes configmap.json and testrun.json (JSON,
 * which kubectl applies) into `dir`. In the pods each runner prints its summary JSON to its log.
 */
export async function emitFanout(size: FanoutSize, target: LoadTarget, dir: string, segments: number, progress: (s: string) => void): Promise<Emitted> {
  try {
    const shape = await shapeOn(target, size, segments, progress);
    const configPath = path.join(shape.tmp, 'config.json');
    await writeFile(configPath, JSON.stringify(fanoutConfig(shape, '')));
    const archivePath = path.join(shape.tmp, ARCHIVE_KEY);
    progress('k6 archive of k6/fanout.ts with its config');
    await archiveK6('fanout', configPath, archivePath);
    const files = await writeManifests(dir, operatorManifests('syncwright-fanout', await readFile(archivePath), segments));
    const exps = shape.users.map((u) => decodeJwt(u.token).exp).filter((e): e is number => typeof e === 'number');
    return { files, ...(exps.length ? { tokensExpireAt: new Date(Math.min(...exps) * 1000).toISOString() } : {}) };
  } finally {
    await target.stop();
  }
}
