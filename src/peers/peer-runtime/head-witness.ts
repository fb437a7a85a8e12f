/**
 * The peer as a witness of the ledger (docs/peers.md, "Witnessing"): it fetches the service's signed head,
 * checks the signature with the service key it was given and the consistency proof from the last head it
 * co-signed (the shared Merkle code, never the service's word), and only then co-signs and submits it. The
 * last co-signed head is kept on disk, so a rewritten history is refused across restarts too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyEd25519 } from '../../adapters/ed25519';
import { verifyConsistency } from '../../protocol/merkle';
import type { TreeHead } from '../../protocol/tree-head';
import { treeHeadBytes } from '../../protocol/tree-head';
import { witnessBytes } from '../../protocol/witness';
import type { PeerIdentity } from './peer-identity';
import type { PeerLog } from './peer-log';
import type { ServiceClient } from './service-client';
import { ServiceError } from './service-client';

export const WITNESS_FILE = 'witnessed-head.json';

/** `cosigned`: checked, signed, sent; `unchanged`: nothing new; `inconsistent`: refused; `not-accepted`: the service declined. */
export type WitnessOutcome = 'cosigned' | 'unchanged' | 'inconsistent' | 'not-accepted';

const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));

export class HeadWitness {
  private readonly file: string;

  constructor(
    private readonly client: ServiceClient,
    private readonly identity: PeerIdentity,
    private readonly serviceKey: string,
    dataDir: string,
    private readonly log: PeerLog,
  ) {
    this.file = path.join(dataDir, WITNESS_FILE);
  }

  /** The last head this peer checked and co-signed, if any. */
  last(): TreeHead | null {
    try {
      const saved = JSON.parse(fs.readFileSync(this.file, 'utf8')) as TreeHead & { serviceKey: string };
      // A head of another service key is another log: start over rather than compare them.
      if (saved.serviceKey !== this.serviceKey) return null;
      return { size: saved.size, root: saved.root, timestamp: saved.timestamp };
    } catch {
      return null;
    }
  }

  async check(): Promise<WitnessOutcome> {
    const head = await this.client.ledgerHead();
    if (!verifyEd25519(this.serviceKey, treeHeadBytes(head), head.signature)) {
      return this.refuse('bad-head-signature', `the head of size ${head.size} is not signed by the service key`);
    }
    if (head.size === 0) return 'unchanged';
    const last = this.last();
    if (last) {
      if (head.size < last.size) {
        return this.refuse('inconsistent-head', `the log shrank from ${last.size} to ${head.size} entries`);
      }
      if (head.size === last.size) {
        if (head.root === last.root) return 'unchanged';
        return this.refuse('inconsistent-head', `another root for size ${head.size} than the one co-signed`);
      }
      const proof = await this.client.consistency(last.size, head.size);
      const ok = verifyConsistency(last.size, head.size, proof.map(fromHex), fromHex(last.root), fromHex(head.root));
      if (!ok) {
        return this.refuse('inconsistent-head', `no valid consistency proof from size ${last.size} to ${head.size}`);
      }
    }
    // The first head is taken on trust (as a CT witness does); every later one must extend it.
    const checked: TreeHead = { size: head.size, root: head.root, timestamp: head.timestamp };
    this.save(checked);
    try {
      const { witnesses } = await this.client.cosign({
        ...checked,
        signature: this.identity.sign(witnessBytes(checked)),
      });
      this.log.info('head-cosigned', `co-signed the ledger head of size ${head.size} (${witnesses} witness(es))`, {
        size: head.size,
        witnesses,
      });
      return 'cosigned';
    } catch (error) {
      if (!(error instanceof ServiceError) || error.status >= 500) throw error;
      this.log.warn('cosignature-refused', `the service did not take the co-signature: ${error.message}`, {
        code: error.code,
        size: head.size,
      });
      return 'not-accepted';
    }
  }

  private refuse(code: string, message: string): WitnessOutcome {
    this.log.error(code, `refusing to co-sign: ${message}`, { code });
    return 'inconsistent';
  }

  private save(head: TreeHead): void {
    const text = JSON.stringify({ ...head, serviceKey: this.serviceKey }, null, 2) + '\n';
    fs.writeFileSync(`${this.file}.tmp`, text, { mode: 0o600 });
    fs.renameSync(`${this.file}.tmp`, this.file);
  }
}
