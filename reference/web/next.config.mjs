import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** @type {import('next').NextConfig} */
export default {
  // The app imports reference/planted.ts from its parent folder; node_modules live at the repo root.
  turbopack: { root: path.resolve(here, '../..') },
  outputFileTracingRoot: path.resolve(here, '../..'),
  serverExternalPackages: ['pg'],
  poweredByHeader: false,
  typescript: { ignoreBuildErrors: false },
};
