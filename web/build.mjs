// Builds the IDE into ../internal/ide/assets, which the Go binary embeds: one script, one stylesheet and the fonts
// it uses, each named after a hash of its content (served as immutable), plus manifest.json naming the entry files.
// The output depends only on package-lock.json and src/, so a rebuild reproduces the committed files byte for byte.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const out = fileURLToPath(new URL('../internal/ide/assets/', import.meta.url));
const hashed = (name, ext, body) => `${name}-${createHash('sha256').update(body).digest('hex').slice(0, 16)}.${ext}`;

const result = await esbuild.build({
  entryPoints: { ide: fileURLToPath(new URL('src/ide.jsx', import.meta.url)) },
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'eof',
  outdir: 'build',
  write: false,
  logLevel: 'warning',
});

const files = new Map();
const manifest = {};
for (const file of result.outputFiles) {
  const ext = file.path.split('.').pop();
  let body = Buffer.from(file.contents);
  if (ext === 'css') {
    // GraphiQL's stylesheet inlines its fonts as data: URLs; the CSP allows fonts from 'self' only, and as
    // separate files the browser fetches just the faces and unicode ranges a page uses.
    const css = body.toString('utf8').replace(/url\(data:font\/(woff2?);base64,([A-Za-z0-9+/=]+)\)/g, (_, type, b64) => {
      const font = Buffer.from(b64, 'base64');
      const name = hashed('font', type, font);
      files.set(name, font);
      return `url(${name})`;
    });
    body = Buffer.from(css, 'utf8');
  }
  const name = hashed('ide', ext, body);
  files.set(name, body);
  manifest[ext === 'js' ? 'script' : 'style'] = name;
}
if (!manifest.script || !manifest.style) throw new Error('esbuild produced no script or no stylesheet');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const [name, body] of [...files].sort(([a], [b]) => a.localeCompare(b))) writeFileSync(out + name, body);
writeFileSync(out + 'manifest.json', JSON.stringify(manifest, null, 2) + '\n');
console.log(`built ${files.size} files into internal/ide/assets:`);
for (const name of readdirSync(out).sort()) console.log(`  ${name}`);
