import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOOPBACK_TORRENT_OPTIONS, TorrentAdapter } from '../../src/adapters/torrent.adapter';
import {
  MAX_PIECES,
  bencode,
  magnetUri,
  pieceLengthFor,
  pieceRanges,
  torrentInfo,
} from '../../src/protocol/deterministic-torrent';

const MODEL = 'face_detection_front_128x128_barracuda.onnx';
/**
 * The infohash of the shipped BlazeFace model under the deterministic rules. Checked independently with
 * create-torrent + parse-torrent (pieceLength 16384, no announce): any change to the rules breaks this.
 */
const BLAZEFACE_INFOHASH = '69324f7d9772b46aee8f48ef605e2c1e0082d575';

describe('deterministic torrents', () => {
  const sut = new TorrentAdapter({ ...LOOPBACK_TORRENT_OPTIONS });
  const bytes = fs.readFileSync(path.resolve('models', MODEL));

  it('gives the shipped BlazeFace model a fixed infohash', () => {
    const torrent = sut.createTorrent(MODEL, bytes);
    expect(torrent).toMatchObject({ infoHash: BLAZEFACE_INFOHASH, name: MODEL, length: 442005, pieceLength: 16384 });
  });

  it('keeps the infohash whatever trackers and web seeds the .torrent file names', () => {
    const plain = sut.createTorrent(MODEL, bytes, { trackers: [], webSeeds: [] });
    const dressed = sut.createTorrent(MODEL, bytes, {
      trackers: ['udp://tracker.example:1337/announce', 'wss://tracker.example'],
      webSeeds: [`https://verify.example.com/models/${MODEL}`],
    });
    expect(dressed.infoHash).toBe(plain.infoHash);
    expect(dressed.torrentFile.equals(plain.torrentFile)).toBe(false);
    const text = dressed.torrentFile.toString('latin1');
    expect(text).toContain('8:url-listl');
    expect(text).toContain('13:announce-listll');
    expect(text).not.toContain('creation date');
    expect(text).not.toContain('created by');
  });

  it('changes the infohash when one byte or the name changes', () => {
    const flipped = Buffer.from(bytes);
    flipped[1000] ^= 1;
    expect(sut.createTorrent(MODEL, flipped).infoHash).not.toBe(BLAZEFACE_INFOHASH);
    expect(sut.createTorrent('other.onnx', bytes).infoHash).not.toBe(BLAZEFACE_INFOHASH);
  });

  it('hashes the bencoded info dictionary of length, name, piece length and pieces only', () => {
    const pieces = Buffer.concat(
      pieceRanges(bytes.length).map(([start, end]) => createHash('sha1').update(bytes.subarray(start, end)).digest()),
    );
    const info = bencode(torrentInfo(MODEL, bytes.length, pieces));
    const prefix = `d6:lengthi442005e4:name${MODEL.length}:${MODEL}12:piece lengthi16384e6:pieces540:`;
    expect(Buffer.from(info.subarray(0, prefix.length)).toString('latin1')).toBe(prefix);
    expect(createHash('sha1').update(info).digest('hex')).toBe(BLAZEFACE_INFOHASH);
  });

  it('picks the smallest power-of-two piece of at least 16 KiB that keeps a file within 64 pieces', () => {
    expect(MAX_PIECES).toBe(64);
    const cases: Array<[number, number]> = [
      [1, 16384],
      [442005, 16384],
      [64 * 16384, 16384],
      [64 * 16384 + 1, 32768],
      [8 * 1024 * 1024, 131072],
      [100 * 1024 * 1024, 2 * 1024 * 1024],
    ];
    for (const [length, pieceLength] of cases) expect(pieceLengthFor(length)).toBe(pieceLength);
    const big = sut.createTorrent('big.bin', new Uint8Array(8 * 1024 * 1024));
    expect(big.pieceLength).toBe(131072);
  });

  it('cuts files into pieces, the last one short', () => {
    expect(pieceRanges(16384)).toEqual([[0, 16384]]);
    expect(pieceRanges(16385)).toEqual([
      [0, 16384],
      [16384, 16385],
    ]);
    expect(() => torrentInfo('x', 0, new Uint8Array())).toThrow(RangeError);
    expect(() => torrentInfo('x', 10, new Uint8Array(19))).toThrow(RangeError);
  });

  it('bencodes with byte-sorted keys', () => {
    const encoded = bencode({ b: 1, a: ['x', -2], ä: new Uint8Array([0x61]), Z: {} });
    expect(Buffer.from(encoded).toString('utf8')).toBe('d1:Zde1:al1:xi-2ee1:bi1e2:ä1:ae');
    expect(() => bencode(1.5)).toThrow(RangeError);
  });

  it('builds magnet URIs with trackers and web seeds, percent-encoded', () => {
    const uri = magnetUri({
      infoHash: BLAZEFACE_INFOHASH,
      name: 'a b.onnx',
      trackers: ['udp://t.example:1/announce'],
      webSeeds: ['http://localhost:8080/models/a b.onnx'],
    });
    expect(uri).toBe(
      `magnet:?xt=urn:btih:${BLAZEFACE_INFOHASH}&dn=a%20b.onnx&tr=udp%3A%2F%2Ft.example%3A1%2Fannounce` +
        '&ws=http%3A%2F%2Flocalhost%3A8080%2Fmodels%2Fa%20b.onnx',
    );
  });
});
