// The service the browser benchmarks load the widget from: the built dist/, a throw-away SQLite database and
// data folder, on a free loopback port. `extraEnv` adds to (or overrides) the configuration.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const dist = (file) => require(path.resolve('dist/src', file));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function startService(extraEnv = {}) {
  const { loadConfig } = dist('config/app-config.js');
  const { createApp } = dist('bootstrap.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerproof-bench-'));
  const port = await freePort();
  const env = {
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: `sqlite:${path.join(dir, 'bench.sqlite')}`,
    LOG_LEVEL: 'error',
    DATA_DIR: dir,
    TORRENT_ENABLED: 'false',
    ...extraEnv,
  };
  const app = await createApp(loadConfig(env, process.cwd()), { logger: false });
  await app.listen({ port, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  return { app, url, close: async () => (await app.close(), fs.rmSync(dir, { recursive: true })) };
}
