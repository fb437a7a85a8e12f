import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config/app-config';

describe('torrent configuration', () => {
  it('seeds on port 6881 with DHT and LSD on and no trackers by default', () => {
    expect(loadConfig({}).torrent).toEqual({ enabled: true, port: 6881, dht: true, lsd: true, trackers: [] });
  });

  it('reads every TORRENT_ variable', () => {
    const config = loadConfig({
      TORRENT_ENABLED: 'false',
      TORRENT_PORT: '0',
      TORRENT_DHT: 'no',
      TORRENT_LSD: '0',
      TORRENT_TRACKERS: ' udp://tracker.example:1337/announce, wss://tracker.example ,,https://t.example/announce',
    });
    expect(config.torrent).toEqual({
      enabled: false,
      port: 0,
      dht: false,
      lsd: false,
      trackers: ['udp://tracker.example:1337/announce', 'wss://tracker.example', 'https://t.example/announce'],
    });
  });

  it('lists every bad torrent variable at once', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        TORRENT_ENABLED: 'maybe',
        TORRENT_PORT: '70000',
        TORRENT_DHT: 'x',
        TORRENT_LSD: 'y',
        TORRENT_TRACKERS: 'udp://ok.example:1/announce,ftp://bad.example,nonsense',
      });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems).toEqual([
      'TORRENT_ENABLED: must be true or false',
      'TORRENT_PORT: must be at most 65535',
      'TORRENT_DHT: must be true or false',
      'TORRENT_LSD: must be true or false',
      'TORRENT_TRACKERS: ftp://bad.example is not an http(s), udp or ws(s) URL',
      'TORRENT_TRACKERS: nonsense is not an http(s), udp or ws(s) URL',
    ]);
  });
});
