/**
 * Which Chromium the browser tests drive: PEERPROOF_CHROMIUM if set, else the system's /usr/bin/chromium,
 * else the headless Chromium that the npm package `@sparticuz/chromium` ships (unpacked into the temporary
 * directory once), so `npm test` needs nothing but Node. PEERPROOF_TEST_IGNORE_SYSTEM_CHROMIUM=1 skips the
 * system one (to prove the npm path on a machine that has both). Plain ESM, for Jest's globalSetup.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { brotliDecompressSync } from 'node:zlib';

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** @returns the executable's path; may add the npm build's libraries to LD_LIBRARY_PATH (inherited by workers). */
export async function resolveChromium(env = process.env) {
  if (env.PEERPROOF_CHROMIUM) return env.PEERPROOF_CHROMIUM;
  if (env.PEERPROOF_TEST_IGNORE_SYSTEM_CHROMIUM !== '1' && existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  return npmChromium(env);
}

async function npmChromium(env) {
  const { default: chromium } = await import('@sparticuz/chromium');
  const executable = await chromium.executablePath();
  const missing = missingLibraries(executable, env);
  if (missing.length > 0) {
    // A bare Node image lacks NSS; the package carries a copy (built for Amazon Linux 2023, glibc 2.34+).
    const libDir = await unpackBundledLibraries();
    env.LD_LIBRARY_PATH = [libDir, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    const stillMissing = missingLibraries(executable, env);
    if (stillMissing.length > 0) {
      throw new Error(`Chromium from @sparticuz/chromium needs shared libraries this machine lacks: ${stillMissing}`);
    }
  }
  // Its fonts and their fontconfig file, for machines without any (the package unpacked them next to it).
  const fonts = path.join(tmpdir(), 'fonts');
  if (!existsSync('/etc/fonts/fonts.conf') && existsSync(fonts)) env.FONTCONFIG_PATH ??= fonts;
  return executable;
}

/** The libraries `ldd` cannot find for the executable (none where ldd itself is missing). */
function missingLibraries(executable, env) {
  let listing;
  try {
    listing = execFileSync('ldd', [executable], { env, encoding: 'utf8' });
  } catch {
    return [];
  }
  return [...listing.matchAll(/^\s*(\S+) => not found/gm)].map((match) => match[1]);
}

/** Unpacks the package's al2023.tar.br (a plain tar of lib/*.so) into the temporary directory. */
export async function unpackBundledLibraries() {
  const tar = brotliDecompressSync(await readFile(bundledArchive()));
  const target = path.join(tmpdir(), 'peerproof-chromium-libs');
  for (const entry of tarEntries(tar)) {
    if (entry.type !== 'file' || !entry.name.startsWith('lib/')) continue;
    const file = path.join(target, path.basename(entry.name));
    await mkdir(target, { recursive: true });
    await writeFile(file, entry.data, { mode: 0o755 });
  }
  return target;
}

/** The package's bin/al2023.tar.br, found from its entry point (its exports map hides package.json). */
function bundledArchive() {
  let dir = path.dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium'));
  for (;;) {
    const archive = path.join(dir, 'bin', 'al2023.tar.br');
    if (existsSync(archive)) return archive;
    if (path.dirname(dir) === dir) throw new Error('@sparticuz/chromium ships no bin/al2023.tar.br');
    dir = path.dirname(dir);
  }
}

/** Regular files of a ustar archive: 512-byte headers, octal sizes, data padded to 512 bytes. */
function* tarEntries(tar) {
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) return;
    const field = (start, length) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = (prefix ? `${prefix}/` : '') + field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const typeFlag = field(156, 1);
    const data = tar.subarray(offset + 512, offset + 512 + size);
    yield { name: name.replace(/^\.\//, ''), type: typeFlag === '0' || typeFlag === '' ? 'file' : 'other', data };
    offset += 512 + Math.ceil(size / 512) * 512;
  }
}
