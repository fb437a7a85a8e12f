import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { PeerNonceEntity } from '../../src/peers/peer-nonce.entity';
import { PeerNoncesService } from '../../src/peers/peer-nonces.service';
import { MAX_CLOCK_SKEW_MS } from '../../src/protocol/peer-protocol';
import { databaseKinds } from '../support/databases';
import { MODEL_SHA256, newPeer, registeredPeer, codeOf } from '../support/peers';
import type { TestApp } from '../support/test-app';
import { startTestApp } from '../support/test-app';

describe.each(databaseKinds())('signed peer requests [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t?.close());

  it('registers a peer by a request signed with its own key, and lists it publicly', async () => {
    const { identity, client } = newPeer(t);

    const first = await client.register([MODEL_SHA256]);
    const again = await client.register();
    const listed = await request(t.baseUrl).get('/api/v1/peers').expect(200);

    expect(first).toMatchObject({ created: true, peer: { id: identity.peerId, publicKey: identity.publicKey } });
    expect(again.created).toBe(false);
    expect(listed.body.peers).toContainEqual({
      id: identity.peerId,
      publicKey: identity.publicKey,
      models: [MODEL_SHA256],
      registeredAt: expect.any(String),
      lastSeenAt: expect.any(String),
      jobsAnswered: 0,
    });
  });

  it('accepts a signed heartbeat and records the models held', async () => {
    const { client } = await registeredPeer(t, []);

    const peer = await client.heartbeat([MODEL_SHA256, MODEL_SHA256]);

    expect(peer.models).toEqual([MODEL_SHA256]);
  });

  it('refuses an unsigned request with 401 unsigned-request', async () => {
    const response = await request(t.baseUrl).get('/api/v1/peers/me/jobs').expect(401);
    expect(response.body).toEqual({ statusCode: 401, code: 'unsigned-request', message: expect.any(String) });
  });

  it('refuses a request signed by another key with 401 bad-signature', async () => {
    const { client, identity } = await registeredPeer(t);
    const impostor = newPeer(t);
    const signed = impostor.client.sign('GET', '/api/v1/peers/me/jobs');
    signed.headers['x-peerproof-peer'] = identity.peerId;

    expect(await codeOf(client.send(signed))).toBe('401 bad-signature');
  });

  it('refuses a body changed after signing with 401 bad-signature', async () => {
    const { client } = await registeredPeer(t);
    const signed = client.sign('POST', '/api/v1/peers/me/heartbeat', { models: [] });
    signed.body = JSON.stringify({ models: [MODEL_SHA256] });

    expect(await codeOf(client.send(signed))).toBe('401 bad-signature');
  });

  it('refuses another path or query than the one signed with 401 bad-signature', async () => {
    const { client } = await registeredPeer(t);
    const signed = client.sign('GET', '/api/v1/peers/me/jobs?wait=0');
    signed.url = signed.url.replace('wait=0', 'wait=1');

    expect(await codeOf(client.send(signed))).toBe('401 bad-signature');
  });

  it('refuses malformed signature headers with 401 bad-signature', async () => {
    const { client } = await registeredPeer(t);
    const signed = client.sign('GET', '/api/v1/peers/me/jobs');
    signed.headers['x-peerproof-nonce'] = 'short';

    expect(await codeOf(client.send(signed))).toBe('401 bad-signature');
  });

  it('refuses a timestamp more than 60 s away with 401 stale-request, either way', async () => {
    const { client } = await registeredPeer(t);
    const now = t.clock.nowMs();

    const old = client.sign('GET', '/api/v1/peers/me/jobs', undefined, { timestamp: now - MAX_CLOCK_SKEW_MS - 1 });
    const future = client.sign('GET', '/api/v1/peers/me/jobs', undefined, { timestamp: now + MAX_CLOCK_SKEW_MS + 1 });
    const edge = client.sign('GET', '/api/v1/peers/me/jobs', undefined, { timestamp: now - MAX_CLOCK_SKEW_MS });

    expect(await codeOf(client.send(old))).toBe('401 stale-request');
    expect(await codeOf(client.send(future))).toBe('401 stale-request');
    expect(await codeOf(client.send(edge))).toBe('accepted');
  });

  it('refuses a replayed request with 401 replayed-request, and keeps the nonce in the database', async () => {
    const { client, identity } = await registeredPeer(t);
    const signed = client.sign('GET', '/api/v1/peers/me/jobs');

    expect(await codeOf(client.send(signed))).toBe('accepted');
    expect(await codeOf(client.send(signed))).toBe('401 replayed-request');
    const nonce = signed.headers['x-peerproof-nonce'];
    const row = await t.app
      .get(DataSource)
      .getRepository(PeerNonceEntity)
      .findOneBy({ peerId: identity.peerId, nonce });
    expect(row?.expiresAt).toBeGreaterThan(t.clock.nowMs());
  });

  it('forgets a nonce once its timestamp can no longer pass, and only then', async () => {
    const { client, identity } = await registeredPeer(t);
    const signed = client.sign('GET', '/api/v1/peers/me/jobs');
    await client.send(signed);
    const nonce = signed.headers['x-peerproof-nonce'];
    const nonces = t.app.get(DataSource).getRepository(PeerNonceEntity);

    t.clock.advance(MAX_CLOCK_SKEW_MS + 1);
    await t.app.get(PeerNoncesService).purgeExpired();
    const kept = await nonces.findOneBy({ peerId: identity.peerId, nonce });
    expect(await codeOf(client.send(signed))).toBe('401 stale-request');
    t.clock.advance(MAX_CLOCK_SKEW_MS);
    await t.app.get(PeerNoncesService).purgeExpired();

    expect(kept).not.toBeNull();
    expect(await nonces.findOneBy({ peerId: identity.peerId, nonce })).toBeNull();
  });

  it('refuses a replay racing the original: exactly one of many concurrent copies passes', async () => {
    const { client } = await registeredPeer(t);
    const signed = client.sign('POST', '/api/v1/peers/me/heartbeat', { models: [] });

    const codes = await Promise.all(Array.from({ length: 8 }, () => codeOf(client.send(signed))));

    expect(codes.filter((code) => code === 'accepted')).toHaveLength(1);
    expect(codes.filter((code) => code === '401 replayed-request')).toHaveLength(7);
  });

  it('refuses a valid signature from a key that never registered with 401 unknown-peer', async () => {
    const { client } = newPeer(t);

    expect(await codeOf(client.jobs(0))).toBe('401 unknown-peer');
    expect(await codeOf(client.heartbeat([]))).toBe('401 unknown-peer');
  });

  it('validates bodies after authentication: 400 invalid-request', async () => {
    const { client } = await registeredPeer(t);
    const signed = client.sign('POST', '/api/v1/peers/me/heartbeat', { models: ['not-a-sha'] });

    expect(await codeOf(client.send(signed))).toBe('400 invalid-request');
  });
});

const postgres = databaseKinds().includes('postgres') ? describe : describe.skip;

postgres('signed peer requests on several instances sharing PostgreSQL', () => {
  it('refuses a request replayed to another instance', async () => {
    const first = await startTestApp('postgres');
    const second = await startTestApp('postgres', {}, { database: first.database });
    try {
      const { client } = await registeredPeer(first);
      const signed = client.sign('GET', '/api/v1/peers/me/jobs');
      const elsewhere = { ...signed, url: signed.url.replace(first.baseUrl, second.baseUrl) };

      expect(await codeOf(client.send(signed))).toBe('accepted');
      expect(await codeOf(client.send(elsewhere))).toBe('401 replayed-request');
    } finally {
      await second.stop();
      await first.close();
    }
  });
});
