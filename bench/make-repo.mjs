// Writes a synthetic but realistic repository for the code-analysis benchmark: FILES source files (default
// 300) across a Flask service, a FastAPI service, an Express app (TypeScript and JavaScript) and a Python
// library, each file a few hundred lines with routes, helpers, models and docstrings. Deterministic.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function flaskModule(i) {
  const lines = [`"""Orders service part ${i}."""`, 'from flask import Blueprint, request, jsonify', 'from .db import session', '',
    `bp${i} = Blueprint("orders${i}", __name__, url_prefix="/orders${i}")`, ''];
  for (let r = 0; r < 6; r++) {
    lines.push(`@bp${i}.route("/<int:order_id>/items${r}", methods=["GET", "POST"])`, `def items_${r}(order_id):`,
      `    """Lists or adds items of an order (${r})."""`, '    if request.method == "POST":',
      '        session.add(request.json)', '        session.commit()', '    return jsonify([])', '');
    lines.push(`def _helper_${r}(value, scale=2):`, '    total = 0', '    for k in range(value):', '        total += k * scale', '    return total', '');
  }
  return lines.join('\n');
}

function fastapiModule(i) {
  const lines = [`"""Catalogue API part ${i}."""`, 'from typing import Optional', 'from fastapi import APIRouter, Depends', 'from pydantic import BaseModel', '',
    `router = APIRouter(prefix="/catalogue${i}")`, '', `class Product${i}(BaseModel):`, '    name: str', '    price: float', '    tags: list[str] = []', '    note: Optional[str] = None', ''];
  for (let r = 0; r < 6; r++) {
    lines.push(`@router.get("/products/{product_id}/v${r}")`, `async def get_product_${r}(product_id: int, verbose: bool = False):`,
      `    """Fetches product ${r}."""`, '    return {"id": product_id}', '',
      `@router.post("/products/v${r}")`, `async def create_product_${r}(body: Product${i}):`, `    """Creates a product (${r})."""`, '    return body', '');
  }
  return lines.join('\n');
}

function expressModule(i, ts) {
  const t = ts ? ': Request' : '';
  const u = ts ? ': Response' : '';
  const head = ts ? "import { Router, Request, Response } from 'express';" : "const { Router } = require('express');";
  const lines = [head, '', 'const router = Router();', ''];
  for (let r = 0; r < 6; r++) {
    lines.push('/**', ` * Lists widgets of kind ${r}.`, ' */', `router.get('/widgets${r}/:id', async (req${t}, res${u}) => {`,
      '  const page = req.query.page;', '  res.json({ id: req.params.id, page });', '});', '',
      `router.post('/widgets${r}', async (req${t}, res${u}) => {`, '  const { name, size } = req.body;', '  res.status(201).json({ name, size });', '});', '');
    lines.push(`function helper${r}(a${ts ? ': number' : ''}, b${ts ? ': number' : ''}) {`, '  let s = 0;', '  for (let k = 0; k < a; k++) s += k * b;', '  return s;', '}', '');
  }
  lines.push(ts ? 'export default router;' : 'module.exports = router;');
  return lines.join('\n');
}

function libraryModule(i) {
  const lines = [`"""Text utilities ${i}."""`, ''];
  for (let r = 0; r < 8; r++) {
    lines.push(`def normalize_${r}(text: str, width: int = 80, strict: bool = False) -> str:`,
      `    """Normalises text (variant ${r}).`, '', '    Args:', '        text: the input.', '        width: line width.', '    """',
      '    out = []', '    for word in text.split():', '        out.append(word.strip())', '    return " ".join(out)[:width]', '');
  }
  return lines.join('\n');
}

export function makeRepo(dir, files = 300) {
  rmSync(dir, { recursive: true, force: true });
  const write = (rel, text) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  const per = Math.ceil(files / 5);
  let n = 0;
  const imports = [];
  for (let i = 0; i < per && n < files; i++, n++) write(`orders/routes_${i}.py`, flaskModule(i));
  for (let i = 0; i < per && n < files; i++, n++) write(`catalogue/api_${i}.py`, fastapiModule(i));
  for (let i = 0; i < per && n < files; i++, n++) {
    write(`web/src/routes/widgets${i}.ts`, expressModule(i, true));
    imports.push(i);
  }
  for (let i = 0; i < per && n < files; i++, n++) write(`web/legacy/routes${i}.js`, expressModule(i, false));
  for (; n < files; n++) write(`textlib/normalize_${n}.py`, libraryModule(n));
  return dir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? 'out/bench-repo';
  makeRepo(dir, Number(process.argv[3] ?? 300));
  console.log(`wrote ${dir}`);
}
