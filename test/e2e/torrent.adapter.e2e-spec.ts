import { afterEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DownloadProgress } from '../../src/adapters/torrent.adapter';
import { LOOPBACK_TORRENT_OPTIONS, TorrentAdapter, TorrentError } from '../../src/adapters/torrent.adapter';

const MODEL = 'face_detection_front_128x128_barracuda.onnx';
const model = fs.readFileSync(path.resolve('models', MODEL));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// Real webtorrent clients on loopback: DHT, trackers, LSD, uTP and web seeds off; peers joined by address.
describe('TorrentAdapter on loopback', () => {
  const clients: TorrentAdapter[] = [];
  const dirs: string[] = [];
  const client = () => {
    const adapter = new TorrentAdapter({ ...LOOPBACK_TORRENT_OPTIONS });
    clients.push(adapter);
    return adapter;
  };
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-torrent-'));
    dirs.push(dir);
    return dir;
  };
  const peerOf = async (adapter: TorrentAdapter) => `127.0.0.1:${(await adapter.address()).port}`;

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((adapter) => adapter.destroy()));
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('moves a model from a seeder to a leecher by magnet URI, reporting progress', async () => {
    const seeder = client();
    const [seeded] = await seeder.seed([{ name: MODEL, bytes: model }]);
    const leecher = client();
    const progress: DownloadProgress[] = [];
    const dir = tempDir();
    const result = await leecher.download(
      `magnet:?xt=urn:btih:${seeded.infoHash}&dn=${MODEL}`,
      dir,
      { peers: [await peerOf(seeder)], progressIntervalMs: 20 },
      (update) => progress.push(update),
    );
    expect(result).toMatchObject({ infoHash: seeded.infoHash, name: MODEL, length: model.length, corruptPieces: 0 });
    expect(result.path).toBe(path.join(dir, MODEL));
    expect(sha256(fs.readFileSync(result.path))).toBe(sha256(model));
    expect(progress.at(-1)).toMatchObject({
      percent: 100,
      downloadedBytes: model.length,
      totalBytes: model.length,
      corruptPieces: 0,
      droppedPeers: [],
    });
    expect(seeder.stats(seeded.infoHash)?.uploadedBytes).toBeGreaterThanOrEqual(model.length);
  });

  it('drops a peer that serves a corrupted piece and completes from a good one', async () => {
    const good = client();
    const [seeded] = await good.seed([{ name: MODEL, bytes: model }]);
    // Same torrent, then one byte flipped under it: the bad seeder serves a piece that fails its SHA-1.
    const rotten = Buffer.from(model);
    const bad = client();
    await bad.seed([{ name: MODEL, bytes: rotten }]);
    rotten[100_000] ^= 0x01;
    const badAddress = await peerOf(bad);
    const goodAddress = await peerOf(good);

    // Only the bad seeder at first, so the leecher surely meets the corrupted piece (every block of it from
    // that one peer, which convicts it). The good seeder joins once the progress reports the drop: a state
    // that, once reached, stays, so no timing of the updates can miss it.
    const leecher = client();
    let joined = false;
    const result = await leecher.download(
      `magnet:?xt=urn:btih:${seeded.infoHash}`,
      tempDir(),
      { peers: [badAddress], progressIntervalMs: 20 },
      (update) => {
        if (joined || !update.droppedPeers.includes(badAddress)) return;
        joined = true;
        void leecher.addPeer(seeded.infoHash, goodAddress);
      },
    );
    expect(sha256(fs.readFileSync(result.path))).toBe(sha256(model));
    expect(result.corruptPieces).toBeGreaterThanOrEqual(1);
    expect(result.droppedPeers).toEqual([badAddress]);
  });

  it('ends with the right bytes when a corrupted seeder and a good one serve side by side', async () => {
    const good = client();
    const [seeded] = await good.seed([{ name: MODEL, bytes: model }]);
    const rotten = Buffer.from(model);
    const bad = client();
    await bad.seed([{ name: MODEL, bytes: rotten }]);
    for (let offset = 0; offset < rotten.length; offset += 16384) rotten[offset] ^= 0x80;
    const leecher = client();
    const result = await leecher.download(`magnet:?xt=urn:btih:${seeded.infoHash}`, tempDir(), {
      peers: [await peerOf(bad), await peerOf(good)],
    });
    expect(sha256(fs.readFileSync(result.path))).toBe(sha256(model));
  });

  it('drops only the corrupting peer when a piece mixes blocks from a good and a bad one', async () => {
    // 4 MiB: 64 KiB pieces of four blocks each, which a leecher may fetch from both seeders at once.
    const file = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < file.length; i += 4) file.writeUInt32LE((i * 2654435761) >>> 0, i);
    const good = client();
    const [seeded] = await good.seed([{ name: 'mixed.bin', bytes: file }]);
    const rotten = Buffer.from(file);
    const bad = client();
    await bad.seed([{ name: 'mixed.bin', bytes: rotten }]);
    for (let offset = 20_000; offset < rotten.length; offset += 65536) rotten[offset] ^= 0x01;
    const badAddress = await peerOf(bad);
    const leecher = client();
    const result = await leecher.download(`magnet:?xt=urn:btih:${seeded.infoHash}`, tempDir(), {
      peers: [await peerOf(good), badAddress],
    });
    expect(sha256(fs.readFileSync(result.path))).toBe(sha256(file));
    expect(result.corruptPieces).toBeGreaterThanOrEqual(1);
    expect(result.droppedPeers).toEqual([badAddress]);
  });

  it('resumes from the data already on disk, fetching only the missing pieces', async () => {
    const seeder = client();
    const [seeded] = await seeder.seed([{ name: MODEL, bytes: model }]);
    const dir = tempDir();
    const half = 16384 * 13;
    fs.writeFileSync(
      path.join(dir, MODEL),
      Buffer.concat([model.subarray(0, half), Buffer.alloc(model.length - half)]),
    );
    const leecher = client();
    const torrent = leecher.createTorrent(MODEL, model);
    const result = await leecher.download(torrent.torrentFile, dir, {
      peers: [await peerOf(seeder)],
      expectedInfoHash: seeded.infoHash,
    });
    expect(sha256(fs.readFileSync(result.path))).toBe(sha256(model));
    // Upload counts wire bytes (handshake, bitfield, message headers) as well as piece data.
    const uploaded = seeder.stats(seeded.infoHash)?.uploadedBytes ?? 0;
    expect(uploaded).toBeGreaterThanOrEqual(model.length - half);
    expect(uploaded).toBeLessThan(model.length - half + 4096);
  });

  it('completes at once from a complete file on disk, with no peer at all', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, MODEL), model);
    const sut = client();
    const torrent = sut.createTorrent(MODEL, model);
    const result = await sut.download(torrent.torrentFile, dir, { expectedInfoHash: torrent.infoHash });
    expect(result).toMatchObject({ infoHash: torrent.infoHash, length: model.length });
    expect(sut.stats(torrent.infoHash)).toMatchObject({ progress: 1, peers: 0 });
  });

  it('follows the torrent it already holds when asked for the same magnet again', async () => {
    const seeder = client();
    const [seeded] = await seeder.seed([{ name: MODEL, bytes: model }]);
    const leecher = client();
    const dir = tempDir();
    const magnet = `magnet:?xt=urn:btih:${seeded.infoHash}&dn=${MODEL}`;
    const peers = [await peerOf(seeder)];
    const [first, second] = await Promise.all([
      leecher.download(magnet, dir, { peers }),
      leecher.download(magnet, dir, { peers }),
    ]);
    expect(second.path).toBe(first.path);
    expect(sha256(fs.readFileSync(first.path))).toBe(sha256(model));
    await leecher.remove(seeded.infoHash);
    expect(leecher.stats(seeded.infoHash)).toBeUndefined();
    expect(fs.existsSync(first.path)).toBe(true);
  });

  it('stops a download when its signal aborts', async () => {
    const sut = client();
    const controller = new AbortController();
    const download = sut.download(`magnet:?xt=urn:btih:${'ab'.repeat(20)}`, tempDir(), { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(download).rejects.toMatchObject({ code: 'torrent-aborted' });
  });

  it('refuses a .torrent whose infohash is not the expected one', async () => {
    const sut = client();
    const torrent = sut.createTorrent(MODEL, model);
    const download = sut.download(torrent.torrentFile, tempDir(), { expectedInfoHash: 'f'.repeat(40) });
    await expect(download).rejects.toThrow(TorrentError);
    await expect(download).rejects.toMatchObject({ code: 'torrent-wrong-infohash' });
  });
});
