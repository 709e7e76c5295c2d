// .gitignore matching for the CLI's folder walk (git's rules: later patterns win, `!` re-includes, a
// trailing `/` matches folders only, a `/` elsewhere anchors the pattern to its .gitignore's folder, `*`,
// `?`, `[...]` and `**`). Matching is done by a small DP over path segments, never by a regular expression
// built from the pattern (no backtracking on hostile patterns).

function parseLine(line, base) {
  let text = line.replace(/\r$/, '');
  if (!text || text.startsWith('#')) return null;
  // trailing spaces are ignored unless escaped
  text = text.replace(/(?<!\\) +$/, '');
  let negate = false;
  if (text.startsWith('!')) {
    negate = true;
    text = text.slice(1);
  } else if (text.startsWith('\\!') || text.startsWith('\\#')) {
    text = text.slice(1);
  }
  let dirOnly = false;
  if (text.endsWith('/')) {
    dirOnly = true;
    text = text.slice(0, -1);
  }
  if (!text) return null;
  const anchored = text.includes('/');
  if (text.startsWith('/')) text = text.slice(1);
  return { base, negate, dirOnly, anchored, segments: text.split('/') };
}

// fnmatch for one path segment: *, ?, [abc], [a-z], [!x], \x.
function matchSegment(pattern, name) {
  const p = pattern.length;
  const n = name.length;
  // dp[j]: pattern[0..i) matches name[0..j)
  let dp = new Array(n + 1).fill(false);
  dp[0] = true;
  let i = 0;
  while (i < p) {
    const next = new Array(n + 1).fill(false);
    const c = pattern[i];
    if (c === '*') {
      let any = false;
      for (let j = 0; j <= n; j++) {
        any = any || dp[j];
        next[j] = any;
      }
      i++;
    } else {
      let width = 1;
      let test;
      if (c === '?') {
        test = () => true;
      } else if (c === '[') {
        const close = pattern.indexOf(']', i + 2);
        if (close < 0) {
          test = (ch) => ch === '[';
        } else {
          const body = pattern.slice(i + 1, close);
          const neg = body.startsWith('!') || body.startsWith('^');
          const set = neg ? body.slice(1) : body;
          test = (ch) => {
            let hit = false;
            for (let k = 0; k < set.length; k++) {
              if (set[k + 1] === '-' && k + 2 < set.length) {
                if (ch >= set[k] && ch <= set[k + 2]) hit = true;
                k += 2;
              } else if (set[k] === ch) {
                hit = true;
              }
            }
            return hit !== neg;
          };
          width = close - i + 1;
        }
      } else if (c === '\\' && i + 1 < p) {
        const lit = pattern[i + 1];
        test = (ch) => ch === lit;
        width = 2;
      } else {
        test = (ch) => ch === c;
      }
      for (let j = 1; j <= n; j++) next[j] = dp[j - 1] && test(name[j - 1]);
      i += width;
    }
    dp = next;
  }
  return dp[n];
}

// Pattern segments (with `**`) against path segments.
function matchSegments(pats, parts) {
  const P = pats.length;
  const N = parts.length;
  let dp = new Array(N + 1).fill(false);
  dp[0] = true;
  for (let i = 0; i < P; i++) {
    const next = new Array(N + 1).fill(false);
    if (pats[i] === '**') {
      let any = false;
      for (let j = 0; j <= N; j++) {
        any = any || dp[j];
        next[j] = any;
      }
    } else {
      for (let j = 1; j <= N; j++) next[j] = dp[j - 1] && matchSegment(pats[i], parts[j - 1]);
    }
    dp = next;
  }
  return dp[N];
}

export class GitIgnore {
  constructor() {
    this.rules = [];
  }

  // Adds the patterns of a .gitignore found in folder `base` ('' for the root, else 'a/b').
  add(base, text) {
    for (const line of text.split('\n')) {
      const rule = parseLine(line, base);
      if (rule) this.rules.push(rule);
    }
  }

  // Whether `relPath` ('a/b/c.py', relative to the root) is ignored; `isDir` for folders.
  ignores(relPath, isDir) {
    let ignored = false;
    for (const rule of this.rules) {
      if (rule.dirOnly && !isDir) continue;
      let rest = relPath;
      if (rule.base) {
        if (!relPath.startsWith(rule.base + '/')) continue;
        rest = relPath.slice(rule.base.length + 1);
      }
      const parts = rest.split('/');
      const hit = rule.anchored ? matchSegments(rule.segments, parts) : matchSegment(rule.segments[0], parts[parts.length - 1]);
      if (hit) ignored = !rule.negate;
    }
    return ignored;
  }
}
