// Test only (no-docker.test.ts): `node --import` this to run the CLI as on a machine without Docker,
// wherever the test runs. It answers the import of 'testcontainers' with a module whose runtime
// check fails as testcontainers' own does when it finds no Docker; the Docker check loads nothing else.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

// The hooks run on their own thread, which loads this file again: register once, from the main one.
if (isMainThread) register(import.meta.url);

const FAKE = `data:text/javascript,${encodeURIComponent(
  "export async function getContainerRuntimeClient() { throw new Error('Could not find a working container runtime strategy'); }",
)}`;

export async function resolve(specifier, context, next) {
  return specifier === 'testcontainers' ? { url: FAKE, shortCircuit: true } : next(specifier, context);
}
