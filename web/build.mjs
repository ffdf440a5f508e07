#!/usr/bin/env node
/**
 * Builds the web pages into web/dist (outside dist/, which `nest build` empties): one HTML shell per page (pages/<name>.html) and hashed,
 * immutable assets (assets/<name>-<hash>.js|css|svg) that the gateway serves (src/web/). Every
 * script is an external ES module, never inline, so the pages run under a CSP of script-src 'self'.
 * Prints the gzipped size of each page's JavaScript and fails when one exceeds its budget.
 *
 *   node web/build.mjs            production build (npm run build:web; also part of npm run build)
 *   node web/build.mjs --watch    rebuild on change (sourcemaps, no minification)
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const outDir = join(root, 'web', 'dist');
const assetsDir = join(outDir, 'assets');
const watch = process.argv.includes('--watch');

/** name = the entry under web/src/pages/<name>/index.tsx and the HTML file the gateway serves. */
export const PAGES = [
  { name: 'home', title: 'LLM Gateway' },
  { name: 'token-manager', title: 'Token Manager · LLM Gateway' },
  { name: 'token-session-manager', title: 'Token & Session Manager · LLM Gateway' },
  { name: 'admin-manager', title: 'Admin Manager · LLM Gateway' },
];

const STYLESHEET = 'web/src/styles/app.css';

/** Gzipped JavaScript per page (its entry and every chunk it imports), in bytes. */
const JS_BUDGET_GZIP = 150 * 1024;

const options = {
  absWorkingDir: root,
  // One stylesheet shared by every page (cached once), and one script entry per page.
  entryPoints: { app: STYLESHEET, ...Object.fromEntries(PAGES.map((p) => [p.name, `web/src/pages/${p.name}/index.tsx`])) },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  outdir: assetsDir,
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: !watch,
  sourcemap: watch ? 'linked' : false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': JSON.stringify(watch ? 'development' : 'production') },
  plugins: [{ name: 'pages', setup: (build) => build.onEnd((result) => result.errors.length === 0 && writePages(result.metafile)) }],
};

function writePages(metafile) {
  const outputs = metafile.outputs;
  const favicon = copyHashed(join(root, 'web', 'src', 'favicon.svg'));
  const css = Object.keys(outputs).find((file) => outputs[file].entryPoint === STYLESHEET);
  const entries = new Map(
    Object.entries(outputs)
      .filter(([, o]) => o.entryPoint && o.entryPoint !== STYLESHEET)
      // web/src/pages/<name>/index.tsx
      .map(([file, o]) => [o.entryPoint.split('/').at(-2), { file, output: o }]),
  );
  mkdirSync(join(outDir, 'pages'), { recursive: true });
  const report = [];
  for (const page of PAGES) {
    const entry = entries.get(page.name);
    if (!entry) throw new Error(`no output for page ${page.name}`);
    const chunks = staticImports(outputs, entry.file);
    const url = (file) => `/assets/${relative(assetsDir, join(root, file))}`;
    const html = [
      '<!doctype html>',
      '<html lang="en">',
      '<head>',
      '<meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      '<meta name="referrer" content="same-origin">',
      `<title>${escapeHtml(page.title)}</title>`,
      `<link rel="icon" type="image/svg+xml" href="/assets/${favicon}">`,
      css ? `<link rel="stylesheet" href="${url(css)}">` : '',
      ...chunks.map((c) => `<link rel="modulepreload" href="${url(c)}">`),
      `<script type="module" src="${url(entry.file)}"></script>`,
      '</head>',
      '<body>',
      '<div id="app"><noscript><p class="noscript">This page needs JavaScript. API clients can use the REST API described at /docs.</p></noscript></div>',
      '</body>',
      '</html>',
      '',
    ]
      .filter(Boolean)
      .join('\n');
    writeFileSync(join(outDir, 'pages', `${page.name}.html`), html);
    const jsGzip = [entry.file, ...chunks].reduce((sum, f) => sum + gzipSync(readFileSync(join(root, f)), { level: 9 }).length, 0);
    const cssGzip = css ? gzipSync(readFileSync(join(root, css)), { level: 9 }).length : 0;
    report.push({ page: page.name, js_gzip_bytes: jsGzip, css_gzip_bytes: cssGzip });
  }
  writeFileSync(join(outDir, 'size-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  for (const r of report) {
    process.stdout.write(
      `web: ${r.page.padEnd(22)} JS ${(r.js_gzip_bytes / 1024).toFixed(1)} KB gzip, CSS ${(r.css_gzip_bytes / 1024).toFixed(1)} KB gzip\n`,
    );
  }
  const over = report.filter((r) => r.js_gzip_bytes > JS_BUDGET_GZIP);
  if (over.length > 0 && !watch) {
    throw new Error(`JavaScript over the ${JS_BUDGET_GZIP / 1024} KB gzip budget: ${over.map((r) => r.page).join(', ')}`);
  }
}

/** Every chunk an output loads before it runs (static imports, transitively). */
function staticImports(outputs, file, seen = new Set()) {
  for (const imp of outputs[file].imports) {
    if (imp.kind !== 'import-statement' || imp.external || seen.has(imp.path)) continue;
    seen.add(imp.path);
    staticImports(outputs, imp.path, seen);
  }
  return [...seen];
}

function copyHashed(path) {
  const body = readFileSync(path);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
  const name = basename(path).replace(/(\.[^.]+)$/, `-${hash}$1`);
  writeFileSync(join(assetsDir, name), body);
  return name;
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(assetsDir, { recursive: true });
if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  process.stdout.write('web: watching web/src for changes\n');
} else {
  await esbuild.build(options);
}
