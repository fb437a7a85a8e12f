import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';

/** Reads files from disk for business code, so tests can hand it files that do not exist on disk. */
@Injectable()
export class FileStoreAdapter {
  /** The whole file; rejects with the operating system's error (ENOENT, EACCES…) when it cannot be read. */
  read(filePath: string): Promise<Buffer> {
    return readFile(filePath);
  }

  /** The file as a stream, for files too large to hold in memory per request (the widget's wasm). */
  stream(filePath: string): Readable {
    return createReadStream(filePath);
  }

  /** Size and modification time; rejects like `read` when the file is missing. */
  async stat(filePath: string): Promise<{ size: number; mtimeMs: number }> {
    const { size, mtimeMs } = await stat(filePath);
    return { size, mtimeMs };
  }

  /**
   * Creates a file with these permissions and contents, creating its folder; false when the file already
   * exists. The contents go to a temporary file that is then hard-linked into place, so a process that
   * loses a race to create the file never reads it half-written.
   */
  async createExclusive(filePath: string, data: string | Uint8Array, mode: number): Promise<boolean> {
    await mkdir(path.dirname(filePath), { recursive: true });
    const temporary = `${filePath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, data, { flag: 'wx', mode });
    try {
      await link(temporary, filePath);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await rm(temporary, { force: true });
    }
  }
}
