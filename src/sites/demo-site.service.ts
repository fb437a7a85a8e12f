import { Injectable } from '@nestjs/common';
import type { CreateSiteDto } from './sites.dto';
import { SitesService } from './sites.service';

export const DEMO_SITEKEY = 'ppk_demo_localhost';
export const DEMO_LIVENESS_SITEKEY = 'ppk_demo_liveness';

export interface SiteCredentials {
  sitekey: string;
  secret: string;
}

/** The compute demo site's credentials, and the liveness demo site's beside them. */
export interface DemoCredentials extends SiteCredentials {
  liveness: SiteCredentials;
}

const DEMO_SITES: Record<'compute' | 'liveness', CreateSiteDto> = {
  compute: {
    name: 'PeerProof demo',
    hostnames: ['localhost', '127.0.0.1'],
    level: 'compute',
    scoreThreshold: 0.5,
    difficulty: 'easy',
    livenessThreshold: null,
    livenessFallback: false,
    reviewLevels: [],
  },
  liveness: {
    name: 'PeerProof liveness demo',
    hostnames: ['localhost', '127.0.0.1'],
    level: 'liveness',
    scoreThreshold: 0.5,
    difficulty: 'easy',
    livenessThreshold: null,
    // Visitors without a camera can still try the demo; the result page shows which level they passed.
    livenessFallback: true,
    reviewLevels: [],
  },
};

/**
 * The sites behind `/demo` (compute) and `/demo?level=liveness`, bound to localhost only. Its secret is rotated at every start and kept in
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
    const compute = await this.createOrRotateSite(DEMO_SITEKEY, DEMO_SITES.compute);
    const liveness = await this.createOrRotateSite(DEMO_LIVENESS_SITEKEY, DEMO_SITES.liveness);
    this.credentials = { ...compute, liveness };
    return this.credentials;
  }

  private async createOrRotateSite(sitekey: string, settings: CreateSiteDto): Promise<SiteCredentials> {
    const existing = await this.sites.findBySitekey(sitekey);
    const site = existing
      ? await this.sites.rotateSecret(sitekey, { invalidatePrevious: true })
      : await this.sites.create(settings, sitekey);
    return { sitekey: site.sitekey, secret: site.secret };
  }

  current(): DemoCredentials | null {
    return this.credentials;
  }
}
