// Loads a spec file into a bundle the way a host does: start at the file's folder, add files the core asks
// for (error.needs), and widen the root when a $ref leaves it.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function generateFromFile(smeltsec, file, options = {}) {
  let root = path.dirname(file);
  for (let widen = 0; widen < 4; widen++) {
    const files = new Map();
    const entry = path.relative(root, file).split(path.sep).join('/');
    files.set(entry, readFileSync(file));
    for (let round = 0; round < 50; round++) {
      const r = smeltsec.generateManifest(files, { ...options, entry });
      if (r.ok || !r.error.needs?.length) {
        if (!r.ok && r.error.code === 'ref_outside_bundle') break;
        return r;
      }
      for (const need of r.error.needs) files.set(need, readFileSync(path.join(root, need)));
    }
    root = path.dirname(root);
  }
  throw new Error(`could not bundle ${file}`);
}
