#!/usr/bin/env node
/**
 * Builds the widget into widget/dist/ (served by the service under /widget/):
 *   peerproof.js   the loader (fails the build above 15 KB gzipped)     peerproof.css  its stylesheet
 *   worker.js      the solver worker, with chunks/ loaded lazily         ort/           onnxruntime-web's wasm
 *   demo.js/.css   the /demo page's script and style (and favicon.svg)   manifest.json  what the service serves
 *   liveness.js    the liveness chunk (camera, overlay, script), imported by the widget when a challenge asks
 *   mediapipe/     MediaPipe's wasm and the face landmarker model, named in mediapipe.json for the chunk
 * Every text and wasm file also gets .br and .gz siblings, so the service sends 2 MB instead of 12 MB of
 * WebAssembly without compressing on each request. Usage: node widget/build.mjs [--quiet]
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, 'dist');
const ortDist = path.join(root, '..', 'node_modules', 'onnxruntime-web', 'dist');
const mediapipeWasm = path.join(root, '..', 'node_modules', '@mediapipe', 'tasks-vision', 'wasm');
const landmarkerModel = path.join(root, '..', 'models', 'face_landmarker.task');
const quiet = process.argv.includes('--quiet');
const LOADER_BUDGET_GZIP = 15 * 1024;
/** Browsers with module workers, dynamic import and WebAssembly SIMD (what onnxruntime-web needs anyway). */
const TARGET = ['chrome91', 'firefox114', 'safari16.4', 'edge91'];
/** The two runtime builds: plain WebAssembly, and WebGPU (asyncify), each a glue module and its .wasm. */
const ORT_BUILDS = { wasm: 'ort-wasm-simd-threaded', webgpu: 'ort-wasm-simd-threaded.asyncify' };
const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.wasm', '.json', '.map', '.svg', '.task']);
/** Compressing 37 MB of wasm takes seconds; content-hashed files are compressed once and kept here. */
const cacheDir = path.join(root, '..', 'node_modules', '.cache', 'peerproof-widget');

const log = (line) => quiet || console.log(line);

async function main() {
  const started = Date.now();
  await rm(dist, { recursive: true, force: true });
  await mkdir(path.join(dist, 'ort'), { recursive: true });
  await mkdir(path.join(dist, 'mediapipe'), { recursive: true });
  const ortFiles = await copyRuntime();
  await copyMediapipe();
  await Promise.all([buildLoader(), buildWorker(ortFiles), buildStyles(), buildDemo(), buildLiveness()]);
  const loader = await checkLoaderSize();
  const files = await compressAll();
  await writeFile(path.join(dist, 'manifest.json'), JSON.stringify({ version: 1, files }, null, 2) + '\n');
  log(
    `widget: peerproof.js ${kb(loader.raw)} raw, ${kb(loader.gzip)} gzipped (budget ${kb(LOADER_BUDGET_GZIP)}); ` +
      `${Object.keys(files).length} files in widget/dist in ${Date.now() - started} ms`,
  );
}

/** Copies the runtime's glue and wasm under content-hashed names, so they can be cached for a year. */
async function copyRuntime() {
  const files = {};
  for (const [backend, base] of Object.entries(ORT_BUILDS)) {
    files[backend] = {};
    for (const ext of ['mjs', 'wasm']) {
      const bytes = await readFile(path.join(ortDist, `${base}.${ext}`));
      const name = `ort/${base}.${sha256(bytes).slice(0, 12)}.${ext}`;
      await writeFile(path.join(dist, name), bytes);
      files[backend][ext] = name;
    }
  }
  return files;
}

/**
 * MediaPipe's SIMD WebAssembly (every browser the widget targets has SIMD, so the nosimd pair would be 10 MB
 * never sent) and the face landmarker, under content-hashed names; mediapipe.json tells the chunk which.
 */
async function copyMediapipe() {
  const sources = {
    wasmLoader: path.join(mediapipeWasm, 'vision_wasm_internal.js'),
    wasmBinary: path.join(mediapipeWasm, 'vision_wasm_internal.wasm'),
    model: landmarkerModel,
  };
  const files = {};
  for (const [role, source] of Object.entries(sources)) {
    const bytes = await readFile(source);
    const { name, ext } = path.parse(source);
    files[role] = `mediapipe/${name}.${sha256(bytes).slice(0, 12)}${ext}`;
    await writeFile(path.join(dist, files[role]), bytes);
  }
  await writeFile(path.join(dist, 'mediapipe.json'), JSON.stringify(files, null, 2) + '\n');
}

const common = { bundle: true, minify: true, target: TARGET, legalComments: 'none', logLevel: 'warning' };

function buildLoader() {
  return esbuild.build({
    ...common,
    entryPoints: [path.join(root, 'src', 'peerproof.ts')],
    outfile: path.join(dist, 'peerproof.js'),
    format: 'iife',
    sourcemap: 'linked',
  });
}

function buildWorker(ortFiles) {
  return esbuild.build({
    ...common,
    entryPoints: [path.join(root, 'src', 'worker', 'worker.ts')],
    outdir: dist,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    splitting: true,
    sourcemap: 'linked',
    // onnxruntime-web's build that loads its glue and wasm from `wasmPaths` instead of embedding them.
    conditions: ['onnxruntime-web-use-extern-wasm'],
    define: { __PEERPROOF_ORT_FILES__: JSON.stringify(ortFiles) },
  });
}

function buildStyles() {
  return esbuild.build({
    ...common,
    entryPoints: [path.join(root, 'src', 'peerproof.css'), path.join(root, 'demo', 'demo.css')],
    outdir: dist,
    entryNames: '[name]',
  });
}

async function buildDemo() {
  await copyFile(path.join(root, 'demo', 'favicon.svg'), path.join(dist, 'favicon.svg'));
  return esbuild.build({
    ...common,
    entryPoints: [path.join(root, 'demo', 'demo.ts')],
    outfile: path.join(dist, 'demo.js'),
    format: 'iife',
  });
}

/** One ES module, no shared chunks: the widget imports it whole, and nothing of it reaches the loader. */
function buildLiveness() {
  return esbuild.build({
    ...common,
    entryPoints: [path.join(root, 'src', 'liveness', 'liveness.ts')],
    outfile: path.join(dist, 'liveness.js'),
    format: 'esm',
    sourcemap: 'linked',
  });
}

async function checkLoaderSize() {
  const bytes = await readFile(path.join(dist, 'peerproof.js'));
  const size = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  if (size.gzip > LOADER_BUDGET_GZIP) {
    throw new Error(`peerproof.js is ${kb(size.gzip)} gzipped, over the ${kb(LOADER_BUDGET_GZIP)} budget`);
  }
  return size;
}

/** Writes .br/.gz siblings and returns the manifest entries of every servable file. */
async function compressAll() {
  const files = {};
  for (const relative of await listFiles(dist)) {
    const absolute = path.join(dist, relative);
    const bytes = await readFile(absolute);
    const entry = {
      bytes: bytes.length,
      sha256: sha256(bytes),
      // Content-hashed names never change meaning: cache them for a year. The rest keep their URL.
      immutable: ['ort/', 'chunks/', 'mediapipe/'].some((prefix) => relative.startsWith(prefix)),
      encodings: {},
    };
    if (COMPRESSIBLE.has(path.extname(relative)) && bytes.length > 512) {
      const br = await cached(`${entry.sha256}.br`, () =>
        brotliCompressSync(bytes, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
        }),
      );
      const gz = await cached(`${entry.sha256}.gz`, () => gzipSync(bytes, { level: 9 }));
      await writeFile(`${absolute}.br`, br);
      await writeFile(`${absolute}.gz`, gz);
      entry.encodings = { br: br.length, gzip: gz.length };
    }
    files[relative] = entry;
  }
  return files;
}

/** Large outputs are reused by content hash across builds; small ones are cheaper to recompute. */
async function cached(name, compute) {
  const file = path.join(cacheDir, name);
  try {
    return await readFile(file);
  } catch {
    const bytes = compute();
    if (bytes.length > 256 * 1024) await mkdir(cacheDir, { recursive: true }).then(() => writeFile(file, bytes));
    return bytes;
  }
}

async function listFiles(dir, prefix = '') {
  const names = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = prefix + entry.name;
    if (entry.isDirectory()) names.push(...(await listFiles(path.join(dir, entry.name), `${relative}/`)));
    else if ((await stat(path.join(dir, entry.name))).isFile()) names.push(relative);
  }
  return names.sort();
}

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

main().catch((error) => {
  console.error(`widget build failed: ${error.message}`);
  process.exit(1);
});
