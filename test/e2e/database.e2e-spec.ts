import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestDatabase, databaseKinds } from '../support/databases';
import { startTestApp } from '../support/test-app';

const postgres = databaseKinds().includes('postgres') ? describe : describe.skip;

postgres('several instances on one PostgreSQL database', () => {
  it('start together on a fresh database', async () => {
    const database = await createTestDatabase('postgres');
    const apps = await Promise.all([1, 2, 3].map(() => startTestApp('postgres', {}, { database })));
    try {
      for (const app of apps) expect((await request(app.baseUrl).get('/readyz')).status).toBe(200);
    } finally {
      for (const app of apps) await app.stop();
      await database.drop();
    }
  });
});
