// The in-browser playground (web/): served by web/serve.mjs, driven in Debian's Chromium through
// playwright-core. What the page shows must be exactly what the JS API gives in Node for the same input.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

import { createSmeltSec } from '../../wasm/smeltsec.mjs';
import { startServer } from '../../web/serve.mjs';
import { repoRoot } from './helpers.mjs';

const chromiumPath = process.env.SMELTSEC_CHROMIUM ?? '/usr/bin/chromium';
const browserSkip = existsSync(chromiumPath)
  ? false
  : `Chromium not found at ${chromiumPath} (apt-get install -y chromium, or set SMELTSEC_CHROMIUM)`;

const SPEC = `openapi: 3.0.3
info:
  title: Bookshelf API
  version: 1.2.0
  description: A small catalogue of books.
servers:
  - url: https://api.bookshelf.example/v1
paths:
  /books:
    get:
      operationId: listBooks
      summary: List books
      parameters:
        - name: author
          in: query
          description: Only books by this author.
          schema: {type: string}
        - name: limit
          in: query
          schema: {type: integer, minimum: 1, maximum: 100, default: 20}
      responses:
        '200':
          description: A page of books
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Book'}
    post:
      operationId: createBook
      summary: Add a book
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewBook'}
      responses:
        '201':
          description: Created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Book'}
  /books/{bookId}:
    parameters:
      - name: bookId
        in: path
        required: true
        schema: {type: string, pattern: '^[a-z0-9-]+$'}
    get:
      operationId: getBook
      summary: Get a book
      responses:
        '200':
          description: The book
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Book'}
        '404': {description: No such book}
    delete:
      operationId: deleteBook
      summary: Delete a book
      responses:
        '204': {description: Deleted}
components:
  schemas:
    NewBook:
      type: object
      required: [title, author]
      properties:
        title: {type: string, maxLength: 200}
        author: {type: string}
        year: {type: integer}
    Book:
      allOf:
        - $ref: '#/components/schemas/NewBook'
        - type: object
          required: [id]
          properties:
            id: {type: string}
`;

const MALFORMED = `openapi: 3.0.3
info: {title: Broken, version: 1.0.0
paths: {}
`;

// Two files: the root document refers to schemas in a second one.
const SPLIT_MAIN = `openapi: 3.0.3
info: {title: Shelves, version: "2"}
paths:
  /shelves/{shelfId}:
    get:
      operationId: getShelf
      parameters:
        - {name: shelfId, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          description: A shelf
          content:
            application/json:
              schema: {$ref: './schemas.yaml#/Shelf'}
    put:
      operationId: replaceShelf
      parameters:
        - {name: shelfId, in: path, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema: {$ref: './schemas.yaml#/Shelf'}
      responses:
        '200': {description: Replaced}
`;
const SPLIT_SCHEMAS = `Shelf:
  type: object
  required: [name]
  properties:
    name: {type: string, maxLength: 80}
    books: {type: array, items: {type: string}}
`;

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

let server;
let browser;
let page;
let smelt;
const pageErrors = [];
const consoleErrors = [];
const requests = [];

function toolNames(manifestJson) {
  return JSON.parse(manifestJson).tools.map((t) => t.name);
}

function expectOk(r) {
  assert.equal(r.ok, true, `the Node API failed: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** Clicks a button that starts a request and waits until the page has rendered its answer. */
async function runAndWait(selector) {
  const runs = Number(await page.getAttribute('#results', 'data-run'));
  await page.click(selector);
  await page.waitForFunction((n) => Number(document.getElementById('results').dataset.run) > n, runs);
  return page.getAttribute('#results', 'data-state');
}

async function shownToolNames() {
  return page.locator('#tool-list > li.tool').evaluateAll((items) => items.map((li) => li.dataset.name));
}

async function shownError() {
  assert.equal(await page.isVisible('#error'), true, 'the error box is visible');
  return {
    code: await page.textContent('#error-code'),
    message: await page.textContent('#error-message'),
    where: await page.textContent('#error-where'),
    needs: await page.locator('#error-needs li').allTextContents(),
  };
}

function rawGet(base, target) {
  // http.get with a raw path: nothing normalizes `..` on the way.
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    http.get({ hostname, port, path: target }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

before(async () => {
  server = await startServer(0);
  smelt = await createSmeltSec();
  if (browserSkip) return;
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS, timeout: 15_000 });
  page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(new URL('web/', server.url).href);
  await page.waitForSelector('#generate:not([disabled])'); // the worker has loaded the wasm
});

after(async () => {
  await browser?.close();
  await server?.close();
});

describe('web/serve.mjs', () => {
  test('serves the page, the modules and the wasm with the right MIME types', async () => {
    const cases = [
      ['/web/', 'text/html'],
      ['/web/app.mjs', 'text/javascript'],
      ['/web/playground-worker.mjs', 'text/javascript'],
      ['/wasm/smeltsec.mjs', 'text/javascript'],
      ['/wasm/dist/smeltsec-core.wasm', 'application/wasm'],
      ['/web/style.css', 'text/css'],
    ];
    for (const [target, type] of cases) {
      const r = await rawGet(server.url, target);
      assert.equal(r.status, 200, target);
      assert.equal(r.headers['content-type'].split(';')[0], type, target);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', target);
    }
    const wasm = await rawGet(server.url, '/wasm/dist/smeltsec-core.wasm');
    assert.deepEqual(wasm.body, readFileSync(path.join(repoRoot, 'wasm/dist/smeltsec-core.wasm')));
    assert.equal((await rawGet(server.url, '/web')).headers.location, '/web/');
    assert.equal((await rawGet(server.url, '/')).headers.location, '/web/');
  });

  test('refuses paths that leave the root, hidden files and odd requests', async () => {
    const secret = readFileSync(path.join(repoRoot, 'package.json'));
    for (const target of ['/web/../package.json', '/web/%2e%2e/package.json', '/%2E%2E/%2E%2E/etc/passwd',
      '/web/..%2f..%2fetc%2fpasswd', '/web/..%5c..%5cpackage.json', '/.git/HEAD', '/web/%00index.html', '/web/%zz']) {
      const r = await rawGet(server.url, target);
      assert.ok([400, 403, 404].includes(r.status), `${target}: status ${r.status}`);
      assert.notDeepEqual(r.body, secret, target);
      assert.ok(!r.body.includes('root:'), target);
    }
    assert.equal((await rawGet(server.url, '/no/such/file.txt')).status, 404);
  });
});

describe('playground in Chromium', { skip: browserSkip }, () => {
  test('a pasted YAML spec gives the same tools and manifest as the Node API', async () => {
    const expected = expectOk(smelt.generateManifest({ 'openapi.yaml': SPEC }, { mode: 'auto' }));
    const expectedNames = toolNames(expected.manifestJson);
    assert.deepEqual(expectedNames, ['list_books', 'create_book', 'get_book', 'delete_book']);

    await page.fill('#spec', SPEC);
    await page.check('#mode-auto');
    assert.equal(await runAndWait('#generate'), 'done');

    assert.deepEqual(await shownToolNames(), expectedNames);
    assert.equal(await page.textContent('#tool-count'), '4');
    const field = (name) => page.textContent(`#summary [data-field="${name}"] dd`);
    assert.equal(await field('operations'), '4');
    assert.equal(await field('tools'), '4');
    assert.match(await field('mode'), /^all\b/);
    assert.equal(await field('api'), 'Bookshelf API v1.2.0');
    assert.equal(await field('baseUrl'), 'https://api.bookshelf.example/v1');
    const steps = await page.locator('#timings tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.step));
    assert.deepEqual(steps, [...Object.keys(expected.report.timingsMs), 'total', 'roundTrip']);
    for (const ms of await page.locator('#timings tbody td').allTextContents()) assert.match(ms, /^\d+(\.\d)?$/);

    // Annotations as badges: GET is read-only, DELETE destructive.
    const badges = (name) => page.locator(`#tool-list > li[data-name="${name}"] .badge`).allTextContents();
    assert.ok((await badges('get_book')).includes('read-only'));
    assert.ok((await badges('delete_book')).includes('destructive'));
    assert.ok(!(await badges('create_book')).includes('read-only'));
    assert.equal(await page.textContent('#tool-list > li[data-name="get_book"] .tool-title'),
      JSON.parse(expected.manifestJson).tools[2].title);

    // The manifest text is the core's, byte for byte, and valid JSON.
    const shown = await page.textContent('#manifest');
    assert.equal(shown, expected.manifestJson);
    assert.deepEqual(JSON.parse(shown), JSON.parse(expected.manifestJson));
    assert.equal(await page.isVisible('#error'), false);
  });

  test('the download button saves the same manifest bytes', async () => {
    const expected = expectOk(smelt.generateManifest({ 'openapi.yaml': SPEC }, { mode: 'auto' }));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    assert.equal(download.suggestedFilename(), 'bookshelf-api.mcp-tools.json');
    assert.equal(readFileSync(await download.path(), 'utf8'), expected.manifestJson);
  });

  test('grouped mode, started from the keyboard (Ctrl+Enter)', async () => {
    const expected = expectOk(smelt.generateManifest({ 'openapi.yaml': SPEC }, { mode: 'grouped' }));
    await page.check('#mode-grouped');
    const runs = Number(await page.getAttribute('#results', 'data-run'));
    await page.focus('#spec');
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction((n) => Number(document.getElementById('results').dataset.run) > n, runs);
    assert.equal(await page.getAttribute('#results', 'data-state'), 'done');
    assert.deepEqual(await shownToolNames(), toolNames(expected.manifestJson));
    assert.equal(await page.textContent('#tool-count'), String(expected.report.tools));
    assert.equal(await page.textContent('#manifest'), expected.manifestJson);
    await page.check('#mode-auto');
  });

  test('malformed YAML shows a yaml_syntax error', async () => {
    const expected = smelt.generateManifest({ 'openapi.yaml': MALFORMED }, {});
    assert.equal(expected.ok, false);
    await page.fill('#spec', MALFORMED);
    assert.equal(await runAndWait('#generate'), 'error');
    const error = await shownError();
    assert.equal(error.code, 'yaml_syntax');
    assert.equal(error.message, expected.error.message);
    assert.equal(error.where, expected.error.where);
    assert.match(error.where, /^openapi\.yaml/);
    // The previous result is gone.
    assert.equal(await page.isVisible('#manifest-section'), false);
    assert.equal(await page.locator('#tool-list > li').count(), 0);
  });

  test('several chosen files resolve external $refs; a missing one is named', async () => {
    const files = { 'openapi.yaml': SPLIT_MAIN, 'schemas.yaml': SPLIT_SCHEMAS };
    const expected = expectOk(smelt.generateManifest(files, { mode: 'auto' }));
    const upload = (names) => page.setInputFiles('#files',
      names.map((name) => ({ name, mimeType: 'application/yaml', buffer: Buffer.from(files[name]) })));

    await upload(['schemas.yaml', 'openapi.yaml']);
    assert.match(await page.textContent('#file-summary'), /Using 2 chosen files/);
    assert.equal(await runAndWait('#generate'), 'done');
    assert.deepEqual(await shownToolNames(), ['get_shelf', 'replace_shelf']);
    assert.equal(await page.textContent('#manifest'), expected.manifestJson);

    // The operations list (analyze request) over the same files.
    assert.equal(await runAndWait('#analyze'), 'done');
    const analyzed = expectOk(smelt.analyzeSpec(files));
    assert.equal(await page.locator('#operations tbody tr').count(), analyzed.candidates.length);

    await upload(['openapi.yaml']);
    assert.equal(await runAndWait('#generate'), 'error');
    const error = await shownError();
    assert.equal(error.code, 'missing_file');
    assert.deepEqual(error.needs, ['schemas.yaml']);

    await page.click('#clear-files');
    assert.equal(await page.isVisible('#file-panel'), false);
  });

  test('no page errors, no console errors, no request left the origin', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(consoleErrors, []);
    const origin = new URL(server.url).origin;
    const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('blob:') && !u.startsWith('data:'));
    assert.deepEqual(foreign, []);
    assert.ok(requests.some((u) => u.endsWith('/wasm/dist/smeltsec-core.wasm')), 'the worker fetched the wasm');
  });
});
