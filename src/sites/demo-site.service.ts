import { Injectable } from '@nestjs/common';
import { SitesService } from './sites.service';

export const DEMO_SITEKEY = 'ppk_demo_localhost';

export interface DemoCredentials {
  sitekey: string;
  secret: string;
}

/**
 * The site behind `/demo`, bound to localhost only. Its secret is rotated at every start and kept in
 * memory, so it can be printed and used by the demo backend without ever being stored in clear.
 */
@Injectable()
export class DemoSiteService {
  private credentials: DemoCredentials | null = null;
  private pending: Promise<DemoCredentials> | null = null;

  constructor(private readonly sites: SitesService) {}

  /**
   * Creates the demo site or rotates its secret. Concurrent callers (`serve` at start-up and a first
   * /demo request) share one run, so the site is never created twice.
   */
  ensure(): Promise<DemoCredentials> {
    this.pending ??= this.createOrRotate().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** The demo credentials, creating them on first use (a service started without `serve`, as in tests). */
  async currentOrEnsure(): Promise<DemoCredentials> {
    return this.credentials ?? (await this.ensure());
  }

  private async createOrRotate(): Promise<DemoCredentials> {
    const existing = await this.sites.findBySitekey(DEMO_SITEKEY);
    const site = existing
      ? await this.sites.rotateSecret(DEMO_SITEKEY, { invalidatePrevious: true })
      : await this.sites.create(
          {
            name: 'PeerProof demo',
            hostnames: ['localhost', '127.0.0.1'],
            level: 'compute',
            scoreThreshold: 0.5,
            difficulty: 'easy',
            livenessThreshold: null,
            livenessFallback: false,
          },
          DEMO_SITEKEY,
        );
    this.credentials = { sitekey: site.sitekey, secret: site.secret };
    return this.credentials;
  }

  current(): DemoCredentials | null {
    return this.credentials;
  }
}
