import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/domain-error';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import type { SiteCredentials } from '../sites/demo-site.service';
import { DemoSiteService } from '../sites/demo-site.service';
import { SiteverifyService } from '../tokens/siteverify.service';
import type { DemoLevel, DemoPageOptions } from './demo-pages';
import { DEMO_LANGUAGES, DEMO_LEVELS, DEMO_SIZES, DEMO_THEMES, demoCsp, resultPage, signupPage } from './demo-pages';

export interface DemoPage {
  status: number;
  html: string;
  csp: string;
}

/** What the page's query string may choose, e.g. `/demo?theme=dark&size=compact&language=de&level=liveness`. */
export interface DemoQuery {
  theme?: string;
  size?: string;
  language?: string;
  level?: string;
}

/**
 * The demo signup form and the small backend behind it. The backend does what a site's backend does:
 * it redeems the form's `peerproof-response` at siteverify with the site's secret (in-process here).
 */
@Injectable()
export class DemoService {
  constructor(
    private readonly demoSite: DemoSiteService,
    private readonly siteverify: SiteverifyService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async form(query: DemoQuery): Promise<DemoPage> {
    const level = pick(query.level, DEMO_LEVELS) ?? 'compute';
    const { sitekey } = await this.credentials(level);
    const options: DemoPageOptions = {
      sitekey,
      level,
      theme: pick(query.theme, DEMO_THEMES) ?? 'auto',
      size: pick(query.size, DEMO_SIZES) ?? 'normal',
      language: pick(query.language, DEMO_LANGUAGES) ?? null,
    };
    return { status: 200, html: signupPage(options), csp: this.csp(level) };
  }

  async signup(form: Record<string, unknown>, remoteip: string): Promise<DemoPage> {
    const level = pick(typeof form.level === 'string' ? form.level : undefined, DEMO_LEVELS) ?? 'compute';
    const { sitekey, secret } = await this.credentials(level);
    const response = typeof form['peerproof-response'] === 'string' ? form['peerproof-response'] : undefined;
    const email = typeof form.email === 'string' ? form.email.slice(0, 200) : '';
    const verdict = await this.siteverify.verify(
      { secret, sitekey, response: response || undefined, remoteip, idempotency_key: undefined },
      remoteip,
    );
    // A real backend refuses the signup on failure; 403 says so to scripts as well as to people.
    return { status: verdict.success ? 200 : 403, html: resultPage(email, verdict, level), csp: this.csp('compute') };
  }

  private async credentials(level: DemoLevel): Promise<SiteCredentials> {
    if (!this.config.demoSite) throw new NotFoundError('demo-disabled', 'The demo site is off (DEMO_SITE=false)');
    const credentials = await this.demoSite.currentOrEnsure();
    return level === 'liveness' ? credentials.liveness : credentials;
  }

  /** The result page runs no widget: it gets the compute page's policy, the stricter one. */
  private csp(level: DemoLevel): string {
    return demoCsp(new URL(this.config.http.publicUrl).origin, level);
  }
}

function pick<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return allowed.find((candidate) => candidate === value);
}
