import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { generateEd25519KeyPair, signEd25519, verifyEd25519 } from '../../src/adapters/ed25519';
import type { LedgerSource } from '../../src/ledger/ledger-audit';
import { auditLedger } from '../../src/ledger/ledger-audit';
import type { LedgerEntry } from '../../src/protocol/ledger-entry';
import { replay, serializeEntry } from '../../src/protocol/ledger-entry';
import { leafHash, rootOf } from '../../src/protocol/merkle';
import type { SignedTreeHead, TreeHead } from '../../src/protocol/tree-head';
import { treeHeadBytes } from '../../src/protocol/tree-head';
import type { WitnessedHead } from '../../src/protocol/witness';
import { witnessBytes } from '../../src/protocol/witness';

const service = generateEd25519KeyPair();
const witnesses = [generateEd25519KeyPair(), generateEd25519KeyPair()];
const outsider = generateEd25519KeyPair();

const grant = (seq: number, peer: string, amount: number): LedgerEntry => ({
  seq,
  time: 1000 + seq,
  kind: 'grant',
  peer,
  amount,
});
const rootHex = (entries: LedgerEntry[]) =>
  Buffer.from(rootOf(entries.map((e) => leafHash(new TextEncoder().encode(serializeEntry(e)))))).toString('hex');

/** A log as the service would serve it, its head signed with the service key. */
function served(entries: LedgerEntry[]): LedgerSource {
  const head: TreeHead = { size: entries.length, root: rootHex(entries), timestamp: 5000 + entries.length };
  const signed: SignedTreeHead = { ...head, signature: signEd25519(service.privateKeyPem, treeHeadBytes(head)) };
  return {
    head: async () => signed,
    entries: async (start, end) => entries.slice(start, end),
    consistency: async () => {
      throw new Error('not needed');
    },
    balances: async () => Object.fromEntries(replay(entries)),
  };
}

function cosigned(entries: LedgerEntry[], size: number, by = witnesses): WitnessedHead {
  const head: TreeHead = { size, root: rootHex(entries.slice(0, size)), timestamp: 5000 + size };
  const bytes = witnessBytes(head);
  return {
    ...head,
    cosignatures: by.map((w) => ({ witness: w.publicKey, signature: signEd25519(w.privateKeyPem, bytes) })),
  };
}

const audit = (source: LedgerSource, head?: WitnessedHead, minWitnesses = 1) =>
  auditLedger(source, {
    verifySignature: (bytes, signature) => verifyEd25519(service.publicKey, bytes, signature),
    witnessed: head && {
      head,
      witnesses: witnesses.map((w) => w.publicKey),
      minWitnesses,
      verify: verifyEd25519,
    },
  });

const history = fc
  .array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 1, max: 1000 })), { minLength: 2, maxLength: 40 })
  .map((grants) => grants.map(([peer, amount], seq) => grant(seq, peer, amount)));

describe('witnessed tree heads', () => {
  it('detect every history rewritten below the witnessed size and re-signed with the service key', async () => {
    await fc.assert(
      fc.asyncProperty(
        history,
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 5 }),
        async (entries, sizePick, rewritePick, extra) => {
          const size = 1 + (sizePick % entries.length);
          const witnessed = cosigned(entries, size);
          const at = rewritePick % size;
          const rewritten = entries.map((e) => (e.seq === at ? { ...e, amount: e.amount! + 1 } : e));
          for (let i = 0; i < extra; i++) rewritten.push(grant(rewritten.length, 'a', 1));

          // The service key alone convinces an auditor holding no witnessed head...
          expect((await audit(served(rewritten))).ok).toBe(true);
          // ...but never one holding a head its witnesses co-signed.
          expect(await audit(served(rewritten), witnessed)).toMatchObject({ ok: false, code: 'witness-mismatch' });
          // The honest log, grown since, passes with the same witnessed head.
          const grown = [...entries, ...Array.from({ length: extra }, (_, i) => grant(entries.length + i, 'b', 2))];
          expect((await audit(served(grown), witnessed)).ok).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('catches a log cut below the witnessed size', async () => {
    const entries = Array.from({ length: 10 }, (_, i) => grant(i, 'a', i + 1));

    const result = await audit(served(entries.slice(0, 6)), cosigned(entries, 8));

    expect(result).toMatchObject({ ok: false, code: 'log-shrank' });
  });

  it('refuses a witnessed head without enough co-signatures of trusted witnesses', async () => {
    const entries = Array.from({ length: 5 }, (_, i) => grant(i, 'a', i + 1));
    const forged = cosigned(entries, 5, [outsider]);
    const tampered = { ...cosigned(entries, 5), root: '0'.repeat(64) };

    expect(await audit(served(entries), forged)).toMatchObject({ ok: false, code: 'unwitnessed-head' });
    expect(await audit(served(entries), tampered)).toMatchObject({ ok: false, code: 'unwitnessed-head' });
    expect(await audit(served(entries), cosigned(entries, 5, witnesses.slice(0, 1)), 2)).toMatchObject({
      ok: false,
      code: 'unwitnessed-head',
    });
    expect((await audit(served(entries), cosigned(entries, 5), 2)).ok).toBe(true);
  });
});
