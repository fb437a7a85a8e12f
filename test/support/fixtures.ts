import request from 'supertest';
import type { SiteWithSecretDto } from '../../src/sites/sites.dto';
import { SitesService } from '../../src/sites/sites.service';
import type { MintTokenInput } from '../../src/tokens/tokens.service';
import { TokensService } from '../../src/tokens/tokens.service';
import type { TestApp } from './test-app';
import { ADMIN_TOKEN } from './test-app';

export async function createSite(t: TestApp, body: Record<string, unknown> = {}): Promise<SiteWithSecretDto> {
  const response = await request(t.baseUrl)
    .post('/api/v1/admin/sites')
    .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
    .send({ hostnames: ['shop.example.com'], ...body })
    .expect(201);
  return response.body as SiteWithSecretDto;
}

/** Mints a token the way a passed challenge does, through the tokens service's internal API. */
export async function mintToken(
  t: TestApp,
  site: SiteWithSecretDto,
  overrides: Partial<MintTokenInput> = {},
): Promise<string> {
  const entity = await t.app.get(SitesService).findBySitekey(site.sitekey);
  const minted = await t.app.get(TokensService).mint({
    siteId: entity!.id,
    hostname: 'shop.example.com',
    level: 'compute',
    score: 0.9,
    action: 'signup',
    cdata: 'session-42',
    ...overrides,
  });
  return minted.token;
}

export function siteverify(t: TestApp, body: Record<string, unknown> | string, path = '/siteverify') {
  const call = request(t.baseUrl).post(path);
  return typeof body === 'string' ? call.type('form').send(body) : call.send(body);
}
