/**
 * The parameters that make a model's torrent the same on every machine, and the byte formats around it
 * (bencoding, magnet URIs). Anyone holding a model file computes the same infohash from these rules alone:
 * the info dictionary holds only `length`, `name`, `piece length` (a fixed function of the length) and
 * `pieces`; no creation date, comment,
 * `created by` or `private` flag, which would make two services' torrents of one file differ. Hashing
 * (SHA-1 of pieces and of the info dictionary) is done by the caller, which keeps this file free of I/O.
 */

/** One BitTorrent block: no piece is smaller. */
export const MIN_PIECE_LENGTH = 16 * 1024;

/**
 * The piece length grows with the file so that no torrent has more than this many pieces. webtorrent's
 * rarest-first selection costs O(pieces²) per connection on every block received: at 16 KiB pieces an 8 MB
 * model (512 pieces) kept two CPUs busy and 8 peers took 19× as long as one; at 64 pieces the same swarm
 * finished in about twice the time of one peer (bench/distribution.bench.mjs). Changing this changes
 * the infohash of every file larger than 1 MiB.
 */
export const MAX_PIECES = 64;

export type BencodeValue = number | string | Uint8Array | BencodeValue[] | { [key: string]: BencodeValue };

/** The info dictionary of a single-file torrent (BEP 3); its bencoding's SHA-1 is the infohash. */
export interface TorrentInfo {
  length: number;
  name: string;
  'piece length': number;
  /** Concatenated 20-byte SHA-1 hashes of the pieces. */
  pieces: Uint8Array;
  [key: string]: BencodeValue;
}

export interface MagnetParts {
  infoHash: string;
  name: string;
  trackers?: readonly string[];
  webSeeds?: readonly string[];
}

/** The smallest power of two, at least 16 KiB, that cuts `length` bytes into at most MAX_PIECES pieces. */
export function pieceLengthFor(length: number): number {
  let pieceLength = MIN_PIECE_LENGTH;
  while (Math.ceil(length / pieceLength) > MAX_PIECES) pieceLength *= 2;
  return pieceLength;
}

/** The byte ranges [start, end) of each piece of a file of `length` bytes. */
export function pieceRanges(length: number, pieceLength = pieceLengthFor(length)): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < length; start += pieceLength) ranges.push([start, Math.min(start + pieceLength, length)]);
  return ranges;
}

export function torrentInfo(name: string, length: number, pieces: Uint8Array): TorrentInfo {
  if (!Number.isSafeInteger(length) || length <= 0) throw new RangeError('a torrent needs a non-empty file');
  if (pieces.length !== pieceRanges(length).length * 20) throw new RangeError('one 20-byte hash per piece expected');
  return { length, name, 'piece length': pieceLengthFor(length), pieces };
}

/**
 * A .torrent file: the info dictionary plus trackers (`announce`, `announce-list`) and web seeds (BEP 19
 * `url-list`). Those sit outside the info dictionary, so they never change the infohash.
 */
export function torrentFileBytes(
  info: TorrentInfo,
  trackers: readonly string[],
  webSeeds: readonly string[],
): Uint8Array {
  const torrent: Record<string, BencodeValue> = { info };
  if (trackers.length > 0) {
    torrent.announce = trackers[0];
    torrent['announce-list'] = trackers.map((url) => [url]);
  }
  if (webSeeds.length > 0) torrent['url-list'] = [...webSeeds];
  return bencode(torrent);
}

/** `magnet:?xt=urn:btih:<hex>&dn=<name>&tr=<tracker>…&ws=<web seed>…` (BEP 9, BEP 19). */
export function magnetUri(parts: MagnetParts): string {
  const params = [`xt=urn:btih:${parts.infoHash}`, `dn=${encodeURIComponent(parts.name)}`];
  for (const tracker of parts.trackers ?? []) params.push(`tr=${encodeURIComponent(tracker)}`);
  for (const seed of parts.webSeeds ?? []) params.push(`ws=${encodeURIComponent(seed)}`);
  return `magnet:?${params.join('&')}`;
}

const encoder = new TextEncoder();

/** BEP 3 bencoding: dictionary keys sorted as raw byte strings, integers in decimal, strings length-prefixed. */
export function bencode(value: BencodeValue): Uint8Array {
  const parts: Uint8Array[] = [];
  encodeInto(value, parts);
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function encodeInto(value: BencodeValue, parts: Uint8Array[]): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`bencode integers must be safe integers, got ${value}`);
    parts.push(encoder.encode(`i${value}e`));
  } else if (typeof value === 'string' || value instanceof Uint8Array) {
    const bytes = typeof value === 'string' ? encoder.encode(value) : value;
    parts.push(encoder.encode(`${bytes.length}:`), bytes);
  } else if (Array.isArray(value)) {
    parts.push(encoder.encode('l'));
    for (const item of value) encodeInto(item, parts);
    parts.push(encoder.encode('e'));
  } else {
    parts.push(encoder.encode('d'));
    for (const [key, item] of sortedEntries(value)) {
      encodeInto(key, parts);
      encodeInto(item, parts);
    }
    parts.push(encoder.encode('e'));
  }
}

function sortedEntries(dict: { [key: string]: BencodeValue }): Array<[string, BencodeValue]> {
  const keyed = Object.entries(dict).map(([key, item]) => ({ key, bytes: encoder.encode(key), item }));
  keyed.sort((a, b) => compareBytes(a.bytes, b.bytes));
  return keyed.map(({ key, item }) => [key, item]);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
