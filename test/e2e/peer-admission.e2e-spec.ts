import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { generateEd25519KeyPair } from '../../src/adapters/ed25519';
import { loadConfig } from '../../src/config/app-config';
import { LedgerService } from '../../src/ledger/ledger.service';
import { WitnessesService } from '../../src/ledger/witnesses.service';
import { identityFromPem } from '../../src/peers/peer-runtime/peer-identity';
import { ServiceClient } from '../../src/peers/peer-runtime/service-client';
import { PeersService } from '../../src/peers/peers.service';
import { witnessBytes } from '../../src/protocol/witness';
import { databaseKinds } from '../support/databases';
import { createJob, registeredPeer, stakedPeers } from '../support/peers';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

// The default admission: registering costs nothing, so it admits nobody to jobs; bonded stake or an
// operator's grant (PEER_GRANTED) does.
describe.each(databaseKinds())('who counts as present [%s]', (kind) => {
  let t: TestApp;
  const granted = identityFromPem(generateEd25519KeyPair().privateKeyPem);

  beforeAll(async () => {
    t = await startTestApp(kind, {
      PEER_ADMISSION: 'stake',
      PEER_GRANTED: granted.peerId,
      LEDGER_MIN_STAKE: '100',
    });
  });
  afterAll(() => t?.close());

  it('counts staked and operator-granted peers, never peers that only registered or staked too little', async () => {
    const model = randomBytes(32).toString('hex');
    const sybils = await Promise.all(Array.from({ length: 20 }, () => registeredPeer(t, [model])));
    const [staked, under] = await stakedPeers(t, [model], [100, 99]);
    await new ServiceClient(t.baseUrl, granted, { now: () => t.clock.nowMs() }).register([model]);

    const present = await t.app.get(PeersService).present([model]);

    expect(present.sort()).toEqual([staked.identity.peerId, granted.peerId].sort());
    expect(present).not.toContain(under.identity.peerId);
    for (const sybil of sybils) expect(present).not.toContain(sybil.identity.peerId);
  });

  it('gives no job to a crowd of registered peers without stake or grant', async () => {
    const model = randomBytes(32).toString('hex');
    await Promise.all(Array.from({ length: 10 }, () => registeredPeer(t, [model])));

    await expect(createJob(t, [model])).rejects.toThrow('no peer was present');
  });

  it('lets only admitted peers co-sign a head: a registered key is refused until it bonds the minimum stake', async () => {
    const ledger = t.app.get(LedgerService);
    await ledger.append([{ kind: 'grant', peer: 'someone', amount: 1 }]);
    const head = await ledger.head();
    const model = randomBytes(32).toString('hex');
    const [unstaked, under] = await stakedPeers(t, [model], [0, 99]);
    const cosign = (peer: typeof unstaked) =>
      peer.client.cosign({ ...head, signature: peer.identity.sign(witnessBytes(head)) });

    await expect(cosign(unstaked)).rejects.toMatchObject({ status: 403, code: 'peer-not-admitted' });
    await expect(cosign(under)).rejects.toMatchObject({ status: 403, code: 'peer-not-admitted' });
    const witnessed = await t.app
      .get(WitnessesService)
      .latest()
      .catch(() => null);
    expect(witnessed?.cosignatures.map((c) => c.witness) ?? []).not.toContain(under.identity.peerId);

    await ledger.append([{ kind: 'grant', peer: under.identity.peerId, amount: 1 }]);
    await under.client.changeStake('stake', 1);
    const later = await ledger.head();
    const accepted = await under.client.cosign({ ...later, signature: under.identity.sign(witnessBytes(later)) });
    expect(accepted).toMatchObject({ size: later.size, witnesses: 1 });
    const grantedClient = new ServiceClient(t.baseUrl, granted, { now: () => t.clock.nowMs() });
    await grantedClient.register([model]);
    await expect(
      grantedClient.cosign({ ...later, signature: granted.sign(witnessBytes(later)) }),
    ).resolves.toMatchObject({ witnesses: 2 });
  });

  it('purges old co-signatures but always keeps the latest witnessed head', async () => {
    const ledger = t.app.get(LedgerService);
    const witnesses = t.app.get(WitnessesService);
    const client = new ServiceClient(t.baseUrl, granted, { now: () => t.clock.nowMs() });
    await client.register([randomBytes(32).toString('hex')]);
    const cosignNewHead = async () => {
      await ledger.append([{ kind: 'grant', peer: 'someone', amount: 1 }]);
      const head = await ledger.head();
      await client.cosign({ ...head, signature: granted.sign(witnessBytes(head)) });
      return head;
    };
    await cosignNewHead();
    t.clock.advance(60_000);
    const cutoff = t.clock.nowMs();
    const newest = await cosignNewHead();
    const count = async () =>
      Number((await t.app.get(DataSource).query('SELECT COUNT(*) AS n FROM ledger_cosignatures'))[0].n);
    const before = await count();

    const purged = await witnesses.purgeOld(cutoff);

    expect(purged).toBeGreaterThanOrEqual(1);
    expect(await count()).toBe(before - purged);
    expect(await witnesses.latest()).toMatchObject({ size: newest.size, root: newest.root });
    // Long after, the latest witnessed head is still all an auditor needs, so it stays.
    t.clock.advance(365 * 86_400_000);
    expect(await witnesses.purgeOld(t.clock.nowMs())).toBe(0);
    expect((await witnesses.latest()).cosignatures.map((c) => c.witness)).toEqual([granted.peerId]);
  });

  it('validates PEER_ADMISSION and PEER_GRANTED', () => {
    expect(() => loadConfig({ PEER_ADMISSION: 'anyone' })).toThrow(/PEER_ADMISSION/);
    expect(() => loadConfig({ PEER_GRANTED: 'not-a-peer' })).toThrow(/not-a-peer is not a peer id/);
    expect(loadConfig({}).peers).toMatchObject({ admission: 'stake', granted: [] });
  });
});
