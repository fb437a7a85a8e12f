/**
 * `peerproof peer status`: what a peer's data folder holds (identity, the last verified manifest, the model
 * files checked against it) and, when asked, how the service sees this peer.
 */
import { verifyEd25519 } from '../../adapters/ed25519';
import type { SignedManifest } from '../../protocol/signed-manifest';
import { verifySignedManifest } from '../../protocol/signed-manifest';
import type { PeerDto } from '../peers.dto';
import { checkModelFile, modelsDir } from './model-store';
import { loadIdentity } from './peer-identity';
import { loadState } from './peer-state';
import type { ServiceClient } from './service-client';

export interface ModelFileStatus {
  id: string;
  file: string;
  sha256: string;
  bytes: number;
  state: 'verified' | 'missing' | 'mismatch';
}

export interface PeerStatus {
  peer: { id: string; publicKey: string; keyId: string };
  dataDir: string;
  service: { url: string; key: string } | null;
  manifest: { signedAt: string; verified: boolean; error?: string } | null;
  models: ModelFileStatus[];
  /** How the service lists this peer: undefined when not asked, null when it does not know the peer. */
  serviceView?: PeerDto | null;
}

export function localStatus(dataDir: string): PeerStatus {
  const identity = loadIdentity(dataDir);
  const state = loadState(dataDir);
  const status: PeerStatus = {
    peer: { id: identity.peerId, publicKey: identity.publicKey, keyId: identity.keyId },
    dataDir,
    service: state ? { url: state.serviceUrl, key: state.serviceKey } : null,
    manifest: null,
    models: [],
  };
  if (!state) return status;
  let manifest: SignedManifest;
  try {
    manifest = verifySignedManifest(state.manifest, state.serviceKey, verifyEd25519);
  } catch (error) {
    const signedAt = String((state.manifest as { signedAt?: unknown } | null)?.signedAt ?? '?');
    status.manifest = { signedAt, verified: false, error: (error as Error).message };
    return status;
  }
  status.manifest = { signedAt: manifest.signedAt, verified: true };
  const dir = modelsDir(dataDir);
  status.models = manifest.models.map((model) => ({
    id: model.id,
    file: model.file,
    sha256: model.sha256,
    bytes: model.bytes,
    state: checkModelFile(dir, model).state,
  }));
  return status;
}

export async function withServiceView(status: PeerStatus, client: ServiceClient): Promise<PeerStatus> {
  const peers = await client.peers();
  return { ...status, serviceView: peers.find((peer) => peer.id === status.peer.id) ?? null };
}

/** Healthy: a verified manifest and every model it lists verified on disk. */
export function healthy(status: PeerStatus): boolean {
  return status.manifest?.verified === true && status.models.every((model) => model.state === 'verified');
}
