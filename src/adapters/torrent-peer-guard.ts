/**
 * Drops the peers that send corrupted data. webtorrent throws away a piece that fails its SHA-1 check and
 * fetches it again, but keeps talking to whoever sent it. This watches the blocks each peer sends and
 * disconnects a peer, for good, once it is proven to have sent bad bytes:
 * - a failed piece whose every block came from one peer convicts that peer at once;
 * - otherwise, when the piece later verifies, each block received for it is compared with the verified
 *   bytes, and every peer whose block differs is dropped. Nobody is dropped on suspicion alone.
 * Part of TorrentAdapter; only webtorrent's types are imported here.
 */
import type { Torrent, Wire } from 'webtorrent';

export interface GuardReport {
  corruptPieces: number;
  /** `host:port` of the peers disconnected for sending corrupted blocks. */
  droppedPeers: string[];
}

interface ReceivedBlock {
  wire: Wire;
  offset: number;
  bytes: Uint8Array;
}

const FAILED_PIECE = /^Piece (\d+) failed verification/;

export function guardAgainstCorruptPeers(torrent: Torrent): GuardReport {
  const report: GuardReport = { corruptPieces: 0, droppedPeers: [] };
  /** Every block received for a piece not yet verified. */
  const received = new Map<number, ReceivedBlock[]>();
  const failed = new Set<number>();
  const verified = new Set<number>();

  const drop = (wire: Wire) => {
    const address = addressOf(wire);
    if (!report.droppedPeers.includes(address)) report.droppedPeers.push(address);
    // Removing the peer also stops webtorrent from dialling it again.
    torrent.removePeer(address);
    wire.destroy();
  };

  torrent.on('wire', (wire: Wire) => {
    if (report.droppedPeers.includes(addressOf(wire))) return wire.destroy();
    wire.on('piece', (index: number, offset: number, bytes: Uint8Array) => {
      if (verified.has(index)) return;
      const blocks = received.get(index) ?? [];
      blocks.push({ wire, offset, bytes });
      received.set(index, blocks);
    });
  });

  torrent.on('warning', (warning: Error) => {
    const match = FAILED_PIECE.exec(warning.message);
    if (!match) return;
    const index = Number(match[1]);
    report.corruptPieces += 1;
    failed.add(index);
    const senders = new Set((received.get(index) ?? []).map((block) => block.wire));
    if (senders.size !== 1) return;
    received.delete(index);
    drop([...senders][0]);
  });

  torrent.on('verified', (index: number) => {
    verified.add(index);
    const blocks = received.get(index) ?? [];
    received.delete(index);
    if (!failed.delete(index) || blocks.length === 0) return;
    torrent.store.get(index, null, (error, piece) => {
      if (error || !piece) return;
      for (const block of blocks) {
        const good = piece.subarray(block.offset, block.offset + block.bytes.length);
        if (!Buffer.from(good).equals(Buffer.from(block.bytes))) drop(block.wire);
      }
    });
  });

  return report;
}

function addressOf(wire: Wire): string {
  return `${wire.remoteAddress ?? '?'}:${wire.remotePort ?? '?'}`;
}
