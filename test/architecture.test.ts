// The layering STYLE.md asks for, checked over the imports of every file in src/: dependencies
// point one way (domain ← machines, store, sim ← engine ← http ← the composition root) with no
// cycle inside a folder either, a folder is entered only through its index.ts, each library is
// imported only by the layer that owns it, and only config.ts reads the environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = join(import.meta.dirname, '..', 'src');

/** How deep each folder sits: a file may import only from folders of a lower rank than its own. */
const RANK: Record<string, number> = { domain: 0, machines: 1, store: 1, sim: 1, engine: 2, http: 3, '.': 4 };

/** The only folders that may import each library (test files beside the code included). */
const OWNERS: Array<{ library: RegExp; folders: string[] }> = [
  { library: /^lmdb(\/|$)/, folders: ['store'] },
  { library: /^(hono(\/|$)|@hono\/)/, folders: ['http'] },
  { library: /^(xstate(\/|$)|@xstate\/)/, folders: ['machines', 'engine'] },
];

interface SourceFile {
  /** Path from src/, with forward slashes. */
  path: string;
  /** The top folder under src/, or '.' for the composition root's files. */
  folder: string;
  isTest: boolean;
  text: string;
  specifiers: string[];
}

function sourceFiles(dir = SRC): SourceFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    if (!entry.name.endsWith('.ts')) return [];
    const path = relative(SRC, full).split('\\').join('/');
    const text = readFileSync(full, 'utf8');
    return [{ path, folder: path.includes('/') ? path.split('/')[0] : '.', isTest: path.endsWith('.test.ts'), text, specifiers: specifiersOf(text) }];
  });
}

/**
 * What a file imports: static imports and re-exports (`… from '…'`), side-effect imports,
 * dynamic `import('…')` and `require('…')`, with any of the three quotes.
 */
function specifiersOf(text: string): string[] {
  const forms = /\bfrom\s*(['"`])([^'"`]+)\1|\bimport\s*(['"`])([^'"`]+)\3|\b(?:import|require)\(\s*(['"`])([^'"`]+)\5\s*\)/g;
  return [...text.matchAll(forms)].map((m) => m[2] ?? m[4] ?? m[6]);
}

const FILES = sourceFiles();

/** Where a relative import of `file` lands, as a path from src/ (null outside src/). */
function target(file: SourceFile, specifier: string): string | null {
  const path = relative(SRC, resolve(SRC, dirname(file.path), specifier)).split('\\').join('/');
  return path.startsWith('..') ? null : path;
}

test('the checks read every source file, and every form of import', () => {
  assert.ok(FILES.length > 50, `${FILES.length} files`);
  const forms = [
    "import { a,\n  b } from '../a.ts';",
    "import type { B } from \"../b.ts\";",
    "export { c } from '../c.ts';",
    "export * from '../d.ts';",
    "import '../e.ts';",
    'const f = await import(`../f.ts`);',
    "const g = require('../g.ts');",
  ].join('\n');
  assert.deepEqual(specifiersOf(forms), ['../a.ts', '../b.ts', '../c.ts', '../d.ts', '../e.ts', '../f.ts', '../g.ts']);
});

test('dependencies point one way and enter another folder through its index.ts', () => {
  const wrong: string[] = [];
  for (const file of FILES.filter((f) => !f.isTest)) {
    for (const specifier of file.specifiers.filter((s) => s.startsWith('.'))) {
      const to = target(file, specifier);
      if (to === null) {
        wrong.push(`${file.path} imports ${specifier}, outside src/`);
        continue;
      }
      const folder = to.includes('/') ? to.split('/')[0] : '.';
      if (folder === file.folder) continue;
      if (!(RANK[folder] < RANK[file.folder])) wrong.push(`${file.path} (${file.folder}) imports ${to}: ${folder} is not below it`);
      else if (to !== `${folder}/index.ts` && folder !== '.') wrong.push(`${file.path} imports ${to}, not ${folder}/index.ts`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('lmdb is imported only in store/, hono only in http/, xstate only in machines/ and engine/', () => {
  const wrong: string[] = [];
  for (const file of FILES) {
    for (const specifier of file.specifiers) {
      const owner = OWNERS.find((o) => o.library.test(specifier));
      if (owner && !owner.folders.includes(file.folder)) wrong.push(`${file.path} imports ${specifier}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('no cycle of imports, inside a folder either', () => {
  const graph = new Map(FILES.map((f) => [f.path, f.specifiers.filter((s) => s.startsWith('.')).map((s) => target(f, s)).filter((to) => to !== null)]));
  const done = new Set<string>();
  const cycles: string[] = [];
  const visit = (path: string, trail: string[]) => {
    if (trail.includes(path)) return void cycles.push([...trail.slice(trail.indexOf(path)), path].join(' → '));
    if (done.has(path)) return;
    for (const next of graph.get(path) ?? []) visit(next, [...trail, path]);
    done.add(path);
  };
  for (const path of graph.keys()) visit(path, []);
  assert.deepEqual(cycles, []);
});

test('only config.ts reads the environment', () => {
  const reads = /\bprocess\.env\b|\{[^}]*\benv\b[^}]*\}\s*=\s*process\b|\{[^}]*\benv\b[^}]*\}\s*from\s*['"](node:)?process['"]/;
  const readers = FILES.filter((f) => !f.isTest && reads.test(f.text)).map((f) => f.path);
  assert.deepEqual(readers, ['config.ts']);
});
