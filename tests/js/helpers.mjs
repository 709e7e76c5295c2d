// Shared by the JS tests: where things are.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The development corpus (real specs, manifests...). It lives beside the repository, not in it.
export const corpusDir = process.env.SMELTSEC_CORPUS ?? path.resolve(repoRoot, '../shared/corpus');
export const hasCorpus = existsSync(path.join(corpusDir, 'openapi'));
export const corpusSkip = hasCorpus ? false : `corpus not found at ${corpusDir} (set SMELTSEC_CORPUS)`;

export const cliPath = path.join(repoRoot, 'cli/smeltsec.mjs');
export const nodeModules = path.join(repoRoot, 'node_modules');

// Every .json / .yaml / .yml file below `dir`, in a stable order.
export function listSpecs(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listSpecs(full));
    else if (/\.(json|ya?ml)$/.test(name)) out.push(full);
  }
  return out;
}
