import { Injectable } from '@nestjs/common';
import { readFile } from 'node:fs/promises';

/** Reads files from disk for business code, so tests can hand it files that do not exist on disk. */
@Injectable()
export class FileStoreAdapter {
  /** The whole file; rejects with the operating system's error (ENOENT, EACCES…) when it cannot be read. */
  read(filePath: string): Promise<Buffer> {
    return readFile(filePath);
  }
}
