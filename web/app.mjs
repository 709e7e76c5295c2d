// The playground page: collects the input, talks to the worker (protocol.mjs), renders the answer.
// Everything stays in the browser. Text from the document is only ever put in the page as text (no innerHTML).
import { Modes, PlaygroundError, Reply, Request, errorValue } from './protocol.mjs';

const $ = (id) => document.getElementById(id);

const ui = {
  form: $('input-form'),
  spec: $('spec'),
  loadExample: $('load-example'),
  files: $('files'),
  folder: $('folder'),
  filePanel: $('file-panel'),
  fileSummary: $('file-summary'),
  fileList: $('file-list'),
  entry: $('entry'),
  clearFiles: $('clear-files'),
  generate: $('generate'),
  analyze: $('analyze'),
  status: $('status'),
  results: $('results'),
  placeholder: $('placeholder'),
  error: $('error'),
  errorCode: $('error-code'),
  errorMessage: $('error-message'),
  errorWhereRow: $('error-where-row'),
  errorWhere: $('error-where'),
  errorNeedsRow: $('error-needs-row'),
  errorNeeds: $('error-needs'),
  summarySection: $('summary-section'),
  summary: $('summary'),
  timings: $('timings').tBodies[0],
  notesRow: $('notes-row'),
  notes: $('notes'),
  toolsSection: $('tools-section'),
  toolCount: $('tool-count'),
  toolList: $('tool-list'),
  operationsSection: $('operations-section'),
  operationCount: $('operation-count'),
  operations: $('operations').tBodies[0],
  manifestSection: $('manifest-section'),
  manifest: $('manifest'),
  download: $('download'),
  copy: $('copy'),
  engineInfo: $('engine-info'),
};

const SPEC_EXTENSIONS = ['.json', '.yaml', '.yml'];
const HTTP_META = 'smeltsec.dev/http';

const EXAMPLE = `openapi: 3.0.3
info:
  title: Bookshelf API
  version: 1.0.0
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
          schema: {type: string}
      responses:
        '200': {description: A page of books}
    post:
      operationId: createBook
      summary: Add a book
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewBook'}
      responses:
        '201': {description: Created}
  /books/{bookId}:
    parameters:
      - {name: bookId, in: path, required: true, schema: {type: string}}
    get:
      operationId: getBook
      summary: Get a book
      responses:
        '200': {description: The book}
    delete:
      operationId: deleteBook
      summary: Delete a book
      responses:
        '204': {description: Deleted}
components:
  schemas:
    NewBook:
      type: object
      required: [title]
      properties:
        title: {type: string}
        author: {type: string}
`;

// ---- state ------------------------------------------------------------------------------------------------

const state = {
  ready: false,
  engineFailed: false,
  busy: false,
  chosen: [],          // [{path, file}] from the file or folder picker; empty: use the textarea
  skipped: 0,          // files of a chosen folder that are not JSON/YAML
  manifestJson: '',
  downloadName: 'manifest.json',
};

// ---- the worker -------------------------------------------------------------------------------------------

const worker = new Worker(new URL('./playground-worker.mjs', import.meta.url), { type: 'module' });
const pending = new Map();
let nextId = 1;

worker.addEventListener('message', ({ data }) => {
  if (data?.type === Reply.ready) {
    if (data.ok) {
      state.ready = true;
      ui.engineInfo.textContent = `SmeltSec engine ${data.version} (WebAssembly, in a Web Worker), loaded in ${formatMs(data.loadMs)} ms.`;
      setStatus('Ready.');
    } else {
      engineFailed(data.error);
    }
    updateButtons();
  } else if (data?.type === Reply.result) {
    const resolve = pending.get(data.id);
    pending.delete(data.id);
    resolve?.(data);
  }
});

worker.addEventListener('error', (event) => {
  // The worker script itself failed (a module that did not load, for example).
  event.preventDefault();
  engineFailed(errorValue(PlaygroundError.worker, `the worker failed: ${event.message || 'its script could not be loaded'}`,
    event.filename ?? '').error);
  for (const [id, resolve] of pending) {
    resolve({ type: Reply.result, id, result: errorValue(PlaygroundError.worker, 'the worker stopped') });
  }
  pending.clear();
});

function engineFailed(error) {
  state.engineFailed = true;
  ui.engineInfo.textContent = 'SmeltSec engine: not loaded.';
  setStatus('The engine could not be loaded.');
  showError(error);
  finishRun('error');
  updateButtons();
}

function ask(type, files, options) {
  const id = nextId++;
  const transfer = files.map((f) => f.bytes).filter((b) => b instanceof Uint8Array).map((b) => b.buffer);
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ type, id, files, options }, transfer);
  });
}

// ---- input ------------------------------------------------------------------------------------------------

function pastedPath(text) {
  return /^\s*[[{]/.test(text) ? 'openapi.json' : 'openapi.yaml';
}

async function collectFiles() {
  if (state.chosen.length === 0) {
    const text = ui.spec.value;
    if (text.trim() === '') {
      return { error: errorValue(PlaygroundError.noInput, 'paste an OpenAPI document or choose files first', 'input').error };
    }
    return { files: [{ path: pastedPath(text), bytes: text }] };
  }
  const files = [];
  for (const { path, file } of state.chosen) {
    try {
      files.push({ path, bytes: new Uint8Array(await file.arrayBuffer()) });
    } catch (e) {
      return { error: errorValue(PlaygroundError.readFile, `could not read the file: ${e?.message ?? e}`, path).error };
    }
  }
  return { files };
}

function chosenMode() {
  const checked = ui.form.querySelector('input[name="mode"]:checked');
  return Modes.includes(checked?.value) ? checked.value : 'auto';
}

function isSpecFile(name) {
  const lower = name.toLowerCase();
  return SPEC_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

function chooseFiles(fileList, fromFolder) {
  const all = [...fileList];
  const usable = all.filter((f) => isSpecFile(f.name));
  state.chosen = usable.map((file) => ({ path: (fromFolder && file.webkitRelativePath) || file.name, file }));
  state.chosen.sort((a, b) => a.path.localeCompare(b.path));
  state.skipped = all.length - usable.length;
  renderChosenFiles();
}

function renderChosenFiles() {
  const n = state.chosen.length;
  ui.filePanel.hidden = n === 0 && state.skipped === 0;
  ui.fileList.replaceChildren(...state.chosen.map(({ path, file }) => el('li', {}, [
    el('code', {}, path), ` ${formatBytes(file.size)}`,
  ])));
  const skipped = state.skipped ? ` (${state.skipped} other file${state.skipped === 1 ? '' : 's'} ignored)` : '';
  ui.fileSummary.textContent = n
    ? `Using ${n} chosen file${n === 1 ? '' : 's'}${skipped}; the pasted text is ignored.`
    : `No JSON or YAML file was chosen${skipped}.`;
  const keep = ui.entry.value;
  ui.entry.replaceChildren(el('option', { value: '' }, 'Detect automatically'),
    ...state.chosen.map(({ path }) => el('option', { value: path }, path)));
  ui.entry.value = state.chosen.some((c) => c.path === keep) ? keep : '';
  ui.spec.setAttribute('aria-describedby', n ? 'spec-hint file-summary' : 'spec-hint');
  ui.spec.classList.toggle('ignored', n > 0);
}

function clearChosenFiles() {
  state.chosen = [];
  state.skipped = 0;
  ui.files.value = '';
  ui.folder.value = '';
  renderChosenFiles();
  ui.spec.focus();
}

// ---- running ----------------------------------------------------------------------------------------------

async function run(type) {
  if (state.busy || !state.ready) return;
  state.busy = true;
  updateButtons();
  ui.results.dataset.state = 'busy';
  ui.results.setAttribute('aria-busy', 'true');
  setStatus(type === Request.generate ? 'Generating…' : 'Reading the operations…');
  const t0 = performance.now();
  let reply;
  try {
    const collected = await collectFiles();
    if (collected.error) {
      reply = { result: { ok: false, error: collected.error } };
    } else {
      const options = { mode: chosenMode() };
      if (state.chosen.length && ui.entry.value) options.entry = ui.entry.value;
      reply = await ask(type, collected.files, options);
    }
  } catch (e) {
    reply = { result: errorValue(PlaygroundError.internal, String(e?.message ?? e)) };
  }
  const roundTripMs = performance.now() - t0;
  clearResults();
  const { result } = reply;
  if (result?.ok) {
    const shown = type === Request.generate ? showManifest(result.value, roundTripMs, chosenMode())
      : showOperations(result.value);
    finishRun(shown ? 'done' : 'error');
  } else {
    showError(result?.error ?? errorValue(PlaygroundError.internal, 'no answer from the worker').error);
    setStatus(`Failed: ${result?.error?.code ?? 'error'}.`);
    finishRun('error');
  }
  state.busy = false;
  updateButtons();
}

function finishRun(outcome) {
  ui.results.dataset.state = outcome;
  ui.results.dataset.run = String(Number(ui.results.dataset.run) + 1);
  ui.results.removeAttribute('aria-busy');
}

function updateButtons() {
  const usable = state.ready && !state.engineFailed && !state.busy;
  ui.generate.disabled = !usable;
  ui.analyze.disabled = !usable;
}

function setStatus(text) {
  ui.status.textContent = text;
}

// ---- rendering --------------------------------------------------------------------------------------------

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v);
  }
  for (const c of [].concat(children)) node.append(c instanceof Node ? c : String(c));
  return node;
}

function formatMs(ms) {
  return Number(ms ?? 0).toFixed(ms >= 100 ? 0 : 1);
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

function clearResults() {
  ui.placeholder.hidden = true;
  ui.error.hidden = true;
  for (const s of [ui.summarySection, ui.toolsSection, ui.operationsSection, ui.manifestSection]) s.hidden = true;
  ui.summary.replaceChildren();
  ui.timings.replaceChildren();
  ui.timings.parentElement.hidden = false;
  ui.notes.replaceChildren();
  ui.toolList.replaceChildren();
  ui.operations.replaceChildren();
  ui.manifest.textContent = '';
  state.manifestJson = '';
}

function showError(error) {
  clearResults();
  ui.errorCode.textContent = error?.code || 'error';
  ui.errorMessage.textContent = error?.message || 'unknown error';
  ui.errorWhere.textContent = error?.where ?? '';
  ui.errorWhereRow.hidden = !error?.where;
  const needs = Array.isArray(error?.needs) ? error.needs : [];
  ui.errorNeeds.replaceChildren(...needs.map((n) => el('li', {}, el('code', {}, n))));
  ui.errorNeedsRow.hidden = needs.length === 0;
  ui.error.hidden = false;
}

function summaryRow(key, label, value) {
  ui.summary.append(el('div', { dataset: { field: key } }, [el('dt', {}, label), el('dd', {}, value)]));
}

function showSource(source) {
  if (!source) return;
  const title = [source.title, source.version && `v${source.version}`].filter(Boolean).join(' ');
  if (title) summaryRow('api', 'API', title);
  if (source.specVersion) summaryRow('spec', 'Specification', `${source.kind === 'openapi' ? 'OpenAPI' : source.kind} ${source.specVersion}`);
  if (source.file) summaryRow('file', 'Root document', source.file);
  if (source.baseUrl) summaryRow('baseUrl', 'Base URL', source.baseUrl);
}

function showNotes(notes) {
  const list = Array.isArray(notes) ? notes : [];
  ui.notes.replaceChildren(...list.map((n) => el('li', {}, n)));
  ui.notesRow.hidden = list.length === 0;
}

function showManifest({ manifestJson, report }, roundTripMs, requestedMode) {
  let manifest;
  try {
    manifest = JSON.parse(manifestJson);
  } catch (e) {
    showError(errorValue(PlaygroundError.internal, `the engine returned a manifest that is not JSON: ${e.message}`).error);
    return false;
  }
  const tools = Array.isArray(manifest.tools) ? manifest.tools : [];

  showSource(report.source);
  summaryRow('mode', 'Mode', requestedMode === report.mode ? report.mode : `${report.mode} (asked: ${requestedMode})`);
  summaryRow('operations', 'Operations', String(report.operations));
  summaryRow('tools', 'Tools', String(report.tools));
  summaryRow('manifestBytes', 'Manifest size', formatBytes(report.manifestBytes ?? manifestJson.length));

  const timings = Object.entries(report.timingsMs ?? {});
  const engineTotal = timings.reduce((sum, [, ms]) => sum + Number(ms), 0);
  ui.timings.replaceChildren(
    ...timings.map(([step, ms]) => el('tr', { dataset: { step } }, [el('th', { scope: 'row' }, step), el('td', {}, formatMs(ms))])),
    el('tr', { class: 'total', dataset: { step: 'total' } }, [el('th', { scope: 'row' }, 'engine total'), el('td', {}, formatMs(engineTotal))]),
    el('tr', { dataset: { step: 'roundTrip' } }, [el('th', { scope: 'row' }, 'round trip (page → worker → page)'), el('td', {}, formatMs(roundTripMs))]),
  );
  showNotes(report.notes);
  ui.summarySection.hidden = false;

  ui.toolCount.textContent = String(tools.length);
  ui.toolList.replaceChildren(...tools.map(toolItem));
  ui.toolsSection.hidden = false;

  // The core already pretty-prints deterministically: show and download its exact text.
  state.manifestJson = manifestJson.includes('\n') ? manifestJson : JSON.stringify(manifest, null, 2);
  state.downloadName = `${slug(report.source?.title) || 'manifest'}.mcp-tools.json`;
  ui.manifest.textContent = state.manifestJson;
  ui.download.textContent = `Download ${state.downloadName}`;
  ui.manifestSection.hidden = false;

  setStatus(`Generated ${tools.length} tool${tools.length === 1 ? '' : 's'} from ${report.operations} operation${report.operations === 1 ? '' : 's'} in ${formatMs(roundTripMs)} ms.`);
  return true;
}

const BADGES = [
  ['readOnlyHint', 'read-only', 'Does not modify its environment'],
  ['destructiveHint', 'destructive', 'May perform destructive updates'],
  ['idempotentHint', 'idempotent', 'Repeating the call has no additional effect'],
  ['openWorldHint', 'open world', 'Interacts with external entities'],
];

function toolItem(tool) {
  const http = tool?._meta?.[HTTP_META];
  const head = el('div', { class: 'tool-head' }, [el('code', { class: 'tool-name' }, String(tool.name ?? ''))]);
  if (tool.title) head.append(el('span', { class: 'tool-title' }, String(tool.title)));
  if (http?.method && http?.path) head.append(el('span', { class: 'tool-route' }, `${http.method} ${http.path}`));
  const item = el('li', { class: 'tool', dataset: { name: String(tool.name ?? '') } }, [head]);
  const annotations = tool.annotations ?? {};
  const badges = BADGES.filter(([key]) => annotations[key] === true);
  if (badges.length) {
    item.append(el('ul', { class: 'badges', 'aria-label': 'Annotations' },
      badges.map(([key, label, help]) => el('li', { class: `badge badge-${key}`, title: `${key}: ${help}`, dataset: { hint: key } }, label))));
  }
  if (tool.description && tool.description !== tool.title) {
    item.append(el('p', { class: 'tool-description' }, String(tool.description)));
  }
  return item;
}

function showOperations(value) {
  showSource(value.source);
  const candidates = (value.candidates ?? []).filter((c) => c.kind === 'operation');
  summaryRow('operations', 'Operations', String(candidates.length));
  ui.timings.replaceChildren();
  ui.timings.parentElement.hidden = true;
  showNotes(value.notes);
  ui.summarySection.hidden = false;
  ui.operationCount.textContent = String(candidates.length);
  ui.operations.replaceChildren(...candidates.map((c) => el('tr', { class: c.deprecated ? 'deprecated' : '' }, [
    el('td', {}, el('span', { class: `method method-${String(c.method).toLowerCase()}` }, c.method)),
    el('td', {}, el('code', {}, c.path)),
    el('td', {}, el('code', {}, c.name)),
    el('td', {}, [c.summary ?? '', c.deprecated ? el('span', { class: 'badge' }, 'deprecated') : '']),
  ])));
  ui.operationsSection.hidden = false;
  setStatus(`Found ${candidates.length} operation${candidates.length === 1 ? '' : 's'}.`);
  return true;
}

function slug(text) {
  return String(text ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
}

function downloadManifest() {
  if (!state.manifestJson) return;
  const url = URL.createObjectURL(new Blob([state.manifestJson], { type: 'application/json' }));
  const a = el('a', { href: url, download: state.downloadName });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function copyManifest() {
  if (!state.manifestJson) return;
  try {
    await navigator.clipboard.writeText(state.manifestJson);
    setStatus('The manifest was copied to the clipboard.');
  } catch {
    // No clipboard permission: select the text so that Ctrl+C works.
    const range = document.createRange();
    range.selectNodeContents(ui.manifest);
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    ui.manifest.focus();
    setStatus('The clipboard is not available here; the manifest is selected, press Ctrl+C to copy it.');
  }
}

// ---- events -----------------------------------------------------------------------------------------------

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  run(Request.generate);
});
ui.analyze.addEventListener('click', () => run(Request.analyze));
ui.form.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    run(Request.generate);
  }
});
ui.files.addEventListener('change', () => {
  ui.folder.value = '';
  chooseFiles(ui.files.files, false);
});
ui.folder.addEventListener('change', () => {
  ui.files.value = '';
  chooseFiles(ui.folder.files, true);
});
ui.clearFiles.addEventListener('click', clearChosenFiles);
ui.loadExample.addEventListener('click', () => {
  ui.spec.value = EXAMPLE;
  if (state.chosen.length) clearChosenFiles();
  ui.spec.focus();
});
ui.download.addEventListener('click', downloadManifest);
ui.copy.addEventListener('click', copyManifest);
