/**
 * The model manifest as the service publishes it: every model with its torrent, signed with the service's
 * Ed25519 key over RFC 8785 canonical JSON (docs/peers.md, "Model distribution"). The peer checks it here
 * before it downloads or loads anything; the signature check itself is injected, so this file stays free of
 * key handling.
 */
import { z } from 'zod';
import { modelSchema } from '../models/model-manifest';
import { canonicalBytes } from './canonical-json';

export type ManifestErrorCode = 'manifest-malformed' | 'manifest-wrong-key' | 'manifest-bad-signature';

export class ManifestVerificationError extends Error {
  constructor(
    readonly code: ManifestErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ManifestVerificationError';
  }
}

/** Ed25519 verification in PeerProof's encodings (base64url raw key and signature), e.g. `verifyEd25519`. */
export type Ed25519Verify = (publicKey: string, message: Uint8Array, signature: string) => boolean;

const INFO_HASH = /^[0-9a-f]{40}$/;

const publishedModelSchema = modelSchema.extend({
  infoHash: z.string().regex(INFO_HASH, 'must be 40 lowercase hexadecimal characters'),
  magnetURI: z.string().startsWith('magnet:?', 'must be a magnet URI'),
  torrentUrl: z.url({ protocol: /^https?$/ }),
});

const signedManifestSchema = z.object({
  version: z.literal(1),
  models: z.array(publishedModelSchema).min(1),
  publicKey: z.string().min(1),
  signedAt: z.iso.datetime(),
  signature: z.string().min(1),
});

export type PublishedModel = z.infer<typeof publishedModelSchema>;
export type SignedManifest = z.infer<typeof signedManifestSchema>;
export type UnsignedManifest = Omit<SignedManifest, 'signature'>;

/** What the signature covers: the canonical JSON of every member but `signature`. */
export function manifestSigningBytes(unsigned: Record<string, unknown>): Uint8Array {
  const rest = { ...unsigned };
  delete rest.signature;
  return canonicalBytes(rest);
}

/**
 * Checks a manifest fetched from a service against the key the operator configured. Throws
 * ManifestVerificationError: `manifest-malformed` for anything that is not a complete signed manifest (a
 * missing signature included), `manifest-wrong-key` when another key signed it, `manifest-bad-signature`
 * when the signature does not match the content. The signature is checked over the JSON as received, so
 * members this version does not know are covered too.
 */
export function verifySignedManifest(json: unknown, expectedPublicKey: string, verify: Ed25519Verify): SignedManifest {
  const parsed = signedManifestSchema.safeParse(json);
  if (!parsed.success) throw new ManifestVerificationError('manifest-malformed', describe(parsed.error));
  const manifest = parsed.data;
  const inconsistent = manifest.models.find((model) => !magnetNames(model.magnetURI, model.infoHash));
  if (inconsistent) {
    throw new ManifestVerificationError(
      'manifest-malformed',
      `model ${inconsistent.id}: magnetURI names another infohash`,
    );
  }
  if (manifest.publicKey !== expectedPublicKey) {
    throw new ManifestVerificationError(
      'manifest-wrong-key',
      `the manifest is signed by ${manifest.publicKey}, not by the expected service key ${expectedPublicKey}`,
    );
  }
  const bytes = manifestSigningBytes(json as Record<string, unknown>);
  if (!verify(expectedPublicKey, bytes, manifest.signature)) {
    throw new ManifestVerificationError('manifest-bad-signature', 'the manifest signature does not match its content');
  }
  return manifest;
}

function magnetNames(magnetURI: string, infoHash: string): boolean {
  const topics = new URLSearchParams(magnetURI.slice('magnet:?'.length)).getAll('xt');
  return topics.length === 1 && topics[0].toLowerCase() === `urn:btih:${infoHash}`;
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}
