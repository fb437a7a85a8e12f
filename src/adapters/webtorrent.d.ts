/**
 * The part of webtorrent 2.8's API that TorrentAdapter uses (the package ships no types). Only
 * src/adapters/torrent.adapter.ts imports it.
 */
declare module 'webtorrent' {
  import type { EventEmitter } from 'node:events';

  export interface ClientOptions {
    torrentPort?: number;
    dht?: boolean | object;
    tracker?: boolean | object;
    lsd?: boolean;
    utp?: boolean;
    natUpnp?: boolean;
    natPmp?: boolean;
    webSeeds?: boolean;
  }

  /** abstract-chunk-store, as webtorrent constructs it: `new store(chunkLength, options)`. */
  export type ChunkStoreConstructor = new (chunkLength: number, options: object) => unknown;

  export interface AddOptions {
    path?: string;
    announce?: string[];
    store?: ChunkStoreConstructor;
    storeCacheSlots?: number;
    strategy?: 'rarest' | 'sequential';
  }

  export interface Wire extends EventEmitter {
    remoteAddress?: string;
    remotePort?: number;
    type?: string;
    destroy(): void;
  }

  export interface Torrent extends EventEmitter {
    readonly infoHash: string;
    readonly name: string | undefined;
    readonly length: number | undefined;
    readonly path: string;
    readonly done: boolean;
    readonly ready: boolean;
    readonly progress: number;
    readonly downloaded: number;
    readonly uploaded: number;
    readonly downloadSpeed: number;
    readonly numPeers: number;
    /** The torrent's chunk store; a piece is readable once 'verified' is emitted for it. */
    readonly store: {
      get(index: number, range: null, callback: (error: Error | null, piece?: Uint8Array) => void): void;
    };
    readonly magnetURI: string;
    addPeer(address: string): boolean;
    removePeer(id: string): void;
    destroy(options?: { destroyStore?: boolean }, callback?: (error?: Error) => void): void;
  }

  export default class WebTorrent extends EventEmitter {
    constructor(options?: ClientOptions);
    readonly torrents: Torrent[];
    readonly listening: boolean;
    add(torrentId: string | Uint8Array, options?: AddOptions): Torrent;
    get(torrentId: string): Promise<Torrent | null>;
    remove(torrentId: string, options?: { destroyStore?: boolean }, callback?: (error?: Error) => void): Promise<void>;
    address(): { address: string; family: string; port: number } | null;
    throttleUpload(bytesPerSecond: number): void;
    destroy(callback?: (error?: Error) => void): void;
  }
}
