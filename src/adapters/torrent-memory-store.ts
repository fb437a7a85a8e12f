/**
 * An abstract-chunk-store over bytes already in memory, for TorrentAdapter.seed: seeding the registry's
 * verified model bytes copies nothing. Writes land in the same bytes (webtorrent only writes pieces it is
 * missing, and a seed misses none).
 */
import type { ChunkStoreConstructor } from 'webtorrent';

interface ChunkRange {
  offset?: number;
  length?: number;
}
type Done = (error: Error | null) => void;
type ChunkCallback = (error: Error | null, chunk?: Buffer) => void;

const ignore: Done = () => undefined;

export function memoryChunkStore(bytes: Uint8Array): ChunkStoreConstructor {
  return class MemoryChunkStore {
    constructor(private readonly chunkLength: number) {}

    put(index: number, chunk: Uint8Array, callback: Done = ignore): void {
      bytes.set(chunk, index * this.chunkLength);
      queueMicrotask(() => callback(null));
    }

    get(index: number, rangeOrCallback: ChunkRange | ChunkCallback | null | undefined, callback?: ChunkCallback): void {
      const done = typeof rangeOrCallback === 'function' ? rangeOrCallback : callback!;
      const range = typeof rangeOrCallback === 'object' && rangeOrCallback ? rangeOrCallback : {};
      const chunkStart = index * this.chunkLength;
      const chunkEnd = Math.min(chunkStart + this.chunkLength, bytes.length);
      const start = chunkStart + (range.offset ?? 0);
      const end = range.length === undefined ? chunkEnd : Math.min(start + range.length, chunkEnd);
      // A view, not a copy: the bytes do not change while they are seeded.
      const view = Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.max(0, end - start));
      queueMicrotask(() => done(null, view));
    }

    close(callback: Done = ignore): void {
      queueMicrotask(() => callback(null));
    }

    destroy(callback: Done = ignore): void {
      queueMicrotask(() => callback(null));
    }
  };
}
