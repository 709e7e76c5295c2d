// Compiled (never run) by tests/js/types.test.mjs: the declarations in wasm/smeltsec.d.mts must describe
// how the API is used, and reject misuse (the @ts-expect-error lines must fail to compile).
import { createSmeltSec, type Manifest, type Result, type SmeltSecError } from '../../wasm/smeltsec.mjs';

async function use(): Promise<number> {
  const s = await createSmeltSec();
  const v: string = s.version();
  const r: Result<Manifest> = s.generateManifest([{ path: 'a.yaml', bytes: 'openapi: 3.0.0' }], { mode: 'all' });
  if (r.ok) {
    const tools: number = r.value.report.tools;
    const text: string = r.value.manifestJson;
    return tools + text.length + v.length;
  }
  const e: SmeltSecError = r.error;
  const a = s.analyzeSpec(new Map([['a.json', new Uint8Array(2)]]), { entry: 'a.json', limits: { maxFiles: 3 } });
  if (a.ok) return a.value.candidates.filter((c) => c.method === 'GET').length;
  // @ts-expect-error: modes are a closed set
  s.generateManifest({}, { mode: 'some' });
  // @ts-expect-error: files need bytes
  s.analyzeSpec([{ path: 'x' }]);
  return e.needs.length;
}

export default use;
