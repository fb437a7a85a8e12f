/**
 * Witnessed tree heads, after Certificate Transparency's witnesses: a peer that checked a signed head for
 * consistency with the last head it co-signed signs the same head with its own key. An auditor holding one
 * head co-signed by witnesses it trusts holds the service to that history: a ledger rewritten below that size
 * and re-signed with the service key alone has another root at that size, and no witness signed it.
 *
 * The co-signature is Ed25519, by the witness's peer key, over the canonical JSON of
 * `{"log":"peerproof-ledger-witness-v1","root":…,"size":…,"timestamp":…}` (the service's head, under another
 * log name, so a co-signature can never pass for a service signature or the reverse).
 */
import { z } from 'zod';
import { canonicalBytes } from './canonical-json';
import type { TreeHead } from './tree-head';

export const WITNESS_LOG_ID = 'peerproof-ledger-witness-v1';

export interface Cosignature {
  /** The witness's peer id (its Ed25519 public key, base64url). */
  witness: string;
  /** Ed25519 over witnessBytes(head), base64url. */
  signature: string;
}

export interface WitnessedHead extends TreeHead {
  cosignatures: Cosignature[];
}

export function witnessBytes(head: TreeHead): Uint8Array {
  return canonicalBytes({ log: WITNESS_LOG_ID, root: head.root, size: head.size, timestamp: head.timestamp });
}

/** The distinct trusted witnesses whose co-signature on `head` verifies. */
export function validWitnesses(
  head: WitnessedHead,
  trusted: readonly string[],
  verify: (key: string, bytes: Uint8Array, signature: string) => boolean,
): string[] {
  const bytes = witnessBytes(head);
  const valid = new Set<string>();
  for (const { witness, signature } of head.cosignatures) {
    if (trusted.includes(witness) && !valid.has(witness) && verify(witness, bytes, signature)) valid.add(witness);
  }
  return [...valid].sort();
}

export const witnessedHeadSchema = z.strictObject({
  size: z.number().int().min(0),
  root: z.string().regex(/^[0-9a-f]{64}$/),
  timestamp: z.number().int().min(0),
  cosignatures: z
    .array(z.strictObject({ witness: z.string().min(1).max(64), signature: z.string().min(1).max(200) }))
    .max(256),
});
