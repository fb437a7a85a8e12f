/**
 * What the peer remembers between runs besides its key: the service it serves and the last manifest it
 * verified, so `peerproof peer status` can check the models on disk without asking the service.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const STATE_FILE = 'state.json';

export interface PeerState {
  serviceUrl: string;
  serviceKey: string;
  /** The signed manifest exactly as received and verified. */
  manifest: unknown;
}

export function saveState(dataDir: string, state: PeerState): void {
  const file = path.join(dataDir, STATE_FILE);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

export function loadState(dataDir: string): PeerState | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, STATE_FILE), 'utf8')) as PeerState;
  } catch {
    return null;
  }
}
