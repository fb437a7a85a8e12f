/**
 * Signed tree heads: what the service commits to about its ledger at a moment. The signature covers the
 * RFC 8785 canonical JSON of `{log, size, root, timestamp}`, so any party can check it with the service's
 * public key and nothing else.
 */
import { canonicalBytes } from './canonical-json';

export const LEDGER_LOG_ID = 'peerproof-ledger-v1';

export interface TreeHead {
  size: number;
  /** Merkle root, lowercase hex. */
  root: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface SignedTreeHead extends TreeHead {
  /** Ed25519 signature of `treeHeadBytes(head)`, base64url. */
  signature: string;
}

export function treeHeadBytes(head: TreeHead): Uint8Array {
  return canonicalBytes({ log: LEDGER_LOG_ID, root: head.root, size: head.size, timestamp: head.timestamp });
}
