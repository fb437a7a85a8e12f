import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { generateEd25519KeyPair } from '../../src/adapters/ed25519';
import { loadConfig } from '../../src/config/app-config';
import { identityFromPem } from '../../src/peers/peer-runtime/peer-identity';
import { ServiceClient } from '../../src/peers/peer-runtime/service-client';
import { PeersService } from '../../src/peers/peers.service';
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

  it('validates PEER_ADMISSION and PEER_GRANTED', () => {
    expect(() => loadConfig({ PEER_ADMISSION: 'anyone' })).toThrow(/PEER_ADMISSION/);
    expect(() => loadConfig({ PEER_GRANTED: 'not-a-peer' })).toThrow(/not-a-peer is not a peer id/);
    expect(loadConfig({}).peers).toMatchObject({ admission: 'stake', granted: [] });
  });
});
