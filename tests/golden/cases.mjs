// The golden cases: inputs whose whole manifest is pinned in tests/golden/openapi/*.golden.json.
// `fixtures:` inputs live in tests/fixtures/openapi/, `corpus:` inputs in the development corpus.
export const GOLDEN_CASES = [
  { input: 'fixtures:features-3.0.yaml', options: { mode: 'all' } },
  { input: 'fixtures:features-3.0.yaml', options: { mode: 'grouped' }, name: 'features-3.0.grouped' },
  { input: 'fixtures:features-3.1.json', options: { mode: 'all' } },
  { input: 'fixtures:swagger-2.0.yaml', options: { mode: 'all' } },
  { input: 'fixtures:multi-file/openapi.yaml', options: { mode: 'all' } },
  { input: 'corpus:openapi/swagger-petstore-3.0.4.yaml', options: { mode: 'all' } },
  { input: 'corpus:openapi/oai-examples/examples/v2.0/json/petstore.json', options: { mode: 'all' } },
  { input: 'corpus:openapi/oai-examples/examples/v2.0/json/petstore-separate/spec/swagger.json', options: { mode: 'all' } },
  { input: 'corpus:openapi/oai-examples/examples/v2.0/yaml/uber.yaml', options: { mode: 'all' } },
  { input: 'corpus:openapi/oai-examples/examples/v3.0/petstore-expanded.yaml', options: { mode: 'all' } },
  { input: 'corpus:openapi/oai-examples/examples/v3.0/uspto.yaml', options: { mode: 'all' } },
  { input: 'corpus:openapi/oai-examples/examples/v3.0/link-example.yaml', options: { mode: 'all' } },
  { input: 'corpus:openapi/oai-examples/examples/v3.0/callback-example.yaml', options: { mode: 'all' } },
  { input: 'corpus:openapi/oai-examples/examples/v3.0/api-with-examples.yaml', options: { mode: 'all' } },
  { input: 'corpus:openapi/oai-examples/examples/v3.1/non-oauth-scopes.yaml', options: { mode: 'all' } },
  { input: 'corpus:openapi/oai-examples/examples/v3.1/webhook-example.yaml', options: { mode: 'all' } },
];

export function caseName(c) {
  return c.name ?? c.input.replace(/^\w+:/, '').replace(/^openapi\//, '').replace(/\.(json|ya?ml)$/, '').replaceAll('/', '__');
}
