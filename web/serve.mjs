#!/usr/bin/env node
// A tiny static file server for the playground, without dependencies. It serves the repository root (so
// that both /web/ and /wasm/ are reachable) on 127.0.0.1 only.
//
//   node web/serve.mjs [port]        then open http://127.0.0.1:PORT/web/
//
// Tests: `const {url, close} = await startServer(0)` (port 0: any free port; url ends with '/').
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const defaultRoot = path.resolve(here, '..');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.yaml': 'text/yaml; charset=utf-8',
  '.yml': 'text/yaml; charset=utf-8',
};

// Everything the playground needs comes from this origin; WebAssembly compilation is allowed, nothing else
// runs or connects anywhere. Sent with every response so that it also covers the worker.
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const COMMON_HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
};

function send(res, status, body, headers = {}) {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function inside(root, p) {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * Maps a request target to a file path under root, or returns an HTTP status for the refusal.
 * Refuses: malformed escapes, NUL bytes, backslashes, `..` segments (also percent-encoded) and hidden
 * entries (`.git`, `.env`, ...).
 */
export function resolveRequestPath(root, target) {
  const raw = String(target ?? '').split(/[?#]/, 1)[0];
  if (!raw.startsWith('/')) return { status: 400 };
  let decoded;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return { status: 400 };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { status: 400 };
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return { status: 403 };
  if (segments.some((s) => s.startsWith('.'))) return { status: 404 };
  const file = path.resolve(root, ...segments);
  if (!inside(root, file)) return { status: 403 };
  return { file, pathname: decoded, trailingSlash: raw.endsWith('/') };
}

async function handle(root, realRoot, req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    return;
  }
  const target = resolveRequestPath(root, req.url);
  if (target.status) {
    send(res, target.status, `${http.STATUS_CODES[target.status].toLowerCase()}\n`);
    return;
  }
  if (target.pathname === '/' || target.pathname === '') {
    send(res, 302, 'see /web/\n', { Location: '/web/' });
    return;
  }
  let file = target.file;
  let info;
  try {
    // Symbolic links may not lead out of the root either.
    file = await realpath(file);
    if (!inside(realRoot, file)) {
      send(res, 403, 'forbidden\n');
      return;
    }
    info = await stat(file);
    if (info.isDirectory()) {
      if (!target.trailingSlash) {
        const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
        send(res, 301, 'moved\n', { Location: `${encodeURI(target.pathname)}/${query}` });
        return;
      }
      file = path.join(file, 'index.html');
      info = await stat(file); // no directory listings
    }
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
  } catch {
    send(res, 404, 'not found\n');
    return;
  }
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': info.size,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/**
 * Starts the server on 127.0.0.1. Resolves to {url, port, close}; `url` is the root (`http://127.0.0.1:PORT/`)
 * and the playground is at `${url}web/`. `close()` resolves once the server and its connections are closed.
 */
export async function startServer(port = 0, { root = defaultRoot, host = '127.0.0.1' } = {}) {
  const absRoot = path.resolve(root);
  const realRoot = await realpath(absRoot);
  const server = http.createServer((req, res) => {
    handle(absRoot, realRoot, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = server.address().port;
  return {
    url: `http://${host}:${actual}/`,
    port: actual,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const arg = process.argv[2] ?? process.env.PORT ?? '8080';
  const port = Number(arg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`usage: node web/serve.mjs [port]   (not a port: ${arg})`);
    process.exit(2);
  }
  try {
    const { url, close } = await startServer(port);
    console.log(`SmeltSec playground: ${url}web/   (serving ${defaultRoot}; Ctrl+C stops)`);
    const stop = () => close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (e) {
    console.error(`cannot start the server: ${e.message}`);
    process.exit(1);
  }
}
