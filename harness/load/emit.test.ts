// The k6-operator manifests `load fanout --emit k6-operator` writes, read back as kubectl reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ARCHIVE_KEY, CONFIGMAP_MAX_BYTES, operatorManifests, writeManifests } from './emit.ts';
import { K6_VERSION } from '../setup/k6.ts';

// Kubernetes object names: DNS-1123 subdomains.
const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

test('a TestRun with parallelism N runs the archive its ConfigMap holds', async () => {
  const archive = Buffer.from([0, 1, 2, 250, 251, 252, 10, 13]);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'syncwright-emit-test-'));
  const files = await writeManifests(path.join(dir, 'k8s'), operatorManifests('syncwright-fanout', archive, 3));
  assert.deepEqual(files.map((f) => path.relative(dir, f)), ['k8s/configmap.json', 'k8s/testrun.json'], 'the ConfigMap sorts first, so apply -f makes it first');
  const [cm, tr] = await Promise.all(files.map(async (f) => JSON.parse(await readFile(f, 'utf8'))));

  assert.equal(cm.apiVersion, 'v1');
  assert.equal(cm.kind, 'ConfigMap');
  assert.match(cm.metadata.name, DNS_1123);
  assert.deepEqual(Object.keys(cm.binaryData), [ARCHIVE_KEY]);
  assert.deepEqual(Buffer.from(cm.binaryData[ARCHIVE_KEY], 'base64'), archive, 'binary data survives base64');
  assert.equal(cm.data, undefined);

  assert.equal(tr.apiVersion, 'k6.io/v1alpha1');
  assert.equal(tr.kind, 'TestRun');
  assert.match(tr.metadata.name, DNS_1123);
  assert.equal(tr.spec.parallelism, 3);
  assert.deepEqual(tr.spec.script, { configMap: { name: cm.metadata.name, file: ARCHIVE_KEY } }, 'the script is the ConfigMap\'s archive');
  assert.equal(tr.spec.runner.image, `grafana/k6:${K6_VERSION.slice(1)}`, 'the runners run the k6 the harness builds');
  assert.equal(tr.status, undefined);
});

test('an archive a ConfigMap cannot hold is refused, naming the limit', () => {
  assert.throws(() => operatorManifests('syncwright-fanout', Buffer.alloc(CONFIGMAP_MAX_BYTES + 1), 2), /KiB and a ConfigMap holds at most 1024 KiB/);
});
