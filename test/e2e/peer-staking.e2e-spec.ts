import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { replay } from '../../src/protocol/ledger-entry';
import type { LedgerEntry } from '../../src/protocol/ledger-entry';
import { databaseKinds } from '../support/databases';
import { registeredPeer, codeOf } from '../support/peers';
import type { TestApp } from '../support/test-app';
import { ADMIN_TOKEN, startTestApp } from '../support/test-app';

const DELAY_SECONDS = 3600;

describe.each(databaseKinds())('peers stake, unbond and withdraw [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { LEDGER_UNBOND_DELAY_SECONDS: String(DELAY_SECONDS) });
  });
  afterAll(() => t?.close());

  const grant = (peer: string, amount: number) =>
    request(t.baseUrl)
      .post('/api/v1/admin/ledger/grants')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ peer, amount })
      .expect(201);

  it('stakes granted units, unbonds them, and withdraws them only after the delay', async () => {
    const peer = await registeredPeer(t);
    await grant(peer.identity.peerId, 500);

    const staked = await peer.client.changeStake('stake', 400);
    const unbonded = await peer.client.changeStake('unbond', 150);
    const early = await codeOf(peer.client.changeStake('withdraw', 100));
    t.clock.advance(DELAY_SECONDS * 1000);
    const withdrawn = await peer.client.changeStake('withdraw', 100);

    expect(staked.entry).toMatchObject({ kind: 'stake', peer: peer.identity.peerId, amount: 400 });
    expect(staked.balance).toMatchObject({ free: 100, staked: 400 });
    expect(unbonded.entry.data).toEqual({ releaseAt: unbonded.entry.time + DELAY_SECONDS * 1000 });
    expect(unbonded.balance).toMatchObject({ staked: 250, unbonding: [{ amount: 150 }] });
    expect(early).toBe('409 unbonding-not-due');
    expect(withdrawn.balance).toMatchObject({ staked: 250, unbonding: [{ amount: 50 }], withdrawn: 100 });
    expect(await peer.client.balance()).toEqual(withdrawn.balance);
  });

  it('refuses amounts beyond the balance with 409 insufficient-balance, changing nothing', async () => {
    const peer = await registeredPeer(t);
    await grant(peer.identity.peerId, 50);
    await peer.client.changeStake('stake', 30);

    const codes = [
      await codeOf(peer.client.changeStake('stake', 21)),
      await codeOf(peer.client.changeStake('unbond', 31)),
      await codeOf(peer.client.changeStake('withdraw', 1)),
    ];

    expect(codes).toEqual(['409 insufficient-balance', '409 insufficient-balance', '409 insufficient-balance']);
    expect(await peer.client.balance()).toMatchObject({ free: 20, staked: 30, unbonding: [] });
  });

  it('refuses malformed amounts with 400 invalid-request', async () => {
    const peer = await registeredPeer(t);
    const send = (body: unknown) => codeOf(peer.client.send(peer.client.sign('POST', '/api/v1/peers/me/stake', body)));

    const codes = await Promise.all([
      send({ amount: 0 }),
      send({ amount: -5 }),
      send({ amount: 1.5 }),
      send({ amount: '10' }),
      send({}),
      send({ amount: 10, peer: 'someone-else' }),
    ]);

    expect(new Set(codes)).toEqual(new Set(['400 invalid-request']));
  });

  it('refuses unsigned stake requests and requests from unregistered keys', async () => {
    await request(t.baseUrl).post('/api/v1/peers/me/stake').send({ amount: 1 }).expect(401);
  });

  it('keeps balances that a replay of the whole log reproduces', async () => {
    const entries = await request(t.baseUrl).get('/api/v1/ledger/entries?start=0&end=1000').expect(200);
    const balances = await request(t.baseUrl).get('/api/v1/ledger/balances').expect(200);

    const replayed = Object.fromEntries(replay(entries.body.entries as LedgerEntry[]));

    expect(balances.body.balances).toEqual(replayed);
  });
});
