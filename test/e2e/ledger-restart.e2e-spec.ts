import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DatabaseKind, TestDatabase } from '../support/databases';
import { createTestDatabase, databaseKinds } from '../support/databases';
import { ServiceProcess, requireBuiltCli, runCli } from '../support/service-process';

const ADMIN_TOKEN = 'restart-admin-token-0123456789';

/**
 * The ledger across real process restarts, as an operator meets it: admin grants over HTTP and
 * `peerproof peers grant` (a process of its own each time) against a live service, SIGTERM, start again,
 * and appends must go on with a log that `peerproof ledger verify` accepts. Before the fix, every append
 * after a restart failed once the log held 4 or more entries.
 */
describe.each(databaseKinds())('the ledger across restarts of `peerproof serve` [%s]', (kind: DatabaseKind) => {
  let database: TestDatabase;
  let service: ServiceProcess;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-restart-'));

  beforeAll(async () => {
    requireBuiltCli();
    database = await createTestDatabase(kind);
    service = await ServiceProcess.start({
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      ADMIN_TOKEN,
      DEMO_SITE: 'false',
    });
  }, 120_000);
  afterAll(async () => {
    await service?.stop('SIGKILL');
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const grant = async (peer: string, amount: number) => {
    const response = await fetch(`${service.baseUrl}/api/v1/admin/ledger/grants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ peer, amount }),
    });
    return { status: response.status, body: (await response.json()) as { head?: { size: number }; code?: string } };
  };
  const cliGrant = (peer: string, amount: number) =>
    runCli(['peers', 'grant', peer, String(amount), '--json'], { DATABASE_URL: database.url, DATA_DIR: dataDir });
  const verify = async () => {
    const { publicKey } = (await (await fetch(`${service.baseUrl}/api/v1/keys`)).json()) as { publicKey: string };
    const state = path.join(dataDir, 'audit-head.json');
    return runCli(['ledger', 'verify', '--service', service.baseUrl, '--service-key', publicKey, '--state', state], {});
  };

  it('keeps appending after SIGTERM and restart, from HTTP and from the CLI, and stays verifiable', async () => {
    for (let i = 0; i < 5; i++) expect(await grant(`peer-${i}`, 10 + i)).toMatchObject({ status: 201 });
    for (let i = 0; i < 3; i++) {
      const result = await cliGrant(`cli-${i}`, 7);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    }
    // The live service must append on a log the CLI processes extended behind its back.
    expect(await grant('after-cli', 1)).toMatchObject({ status: 201, body: { head: { size: 9 } } });

    for (const size of [10, 11, 12]) {
      expect(await service.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      await service.restart();
      expect(await grant(`restarted-${size}`, 3)).toMatchObject({ status: 201, body: { head: { size } } });
    }
    expect(service.log).not.toContain('is missing from the database');

    const audit = await verify();
    expect({ code: audit.code, stderr: audit.stderr }).toEqual({ code: 0, stderr: '' });
    expect(audit.stdout).toMatch(/^ledger OK: 12 entries/);
    // Nine processes start in turn (the service four times, the CLI five): minutes on a loaded 2-core machine.
  }, 240_000);
});
