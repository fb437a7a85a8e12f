import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../adapters/clock.adapter';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { hydrate, queryRows } from '../database/raw-sql';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { NotFoundError } from '../common/domain-error';
import { SECRET_BYTES, SECRET_PREFIX, SITEKEY_BYTES, SITEKEY_PREFIX } from '../protocol/keys';
import { SiteEntity } from './site.entity';
import {
  CreateSiteDto,
  RotateSecretDto,
  SiteResponseDto,
  SiteWithSecretDto,
  UpdateSiteDto,
  toSiteResponse,
} from './sites.dto';

/**
 * How long the challenge path may use a cached site. Another instance's admin change reaches this one
 * within this time; this instance's own changes drop the entry at once.
 */
const SITE_CACHE_MS = 5000;
const SITE_CACHE_MAX = 10_000;

/** siteverify's lookup: by the current secret, or by the previous one during its grace period. */
const FIND_BY_SECRET_SQL =
  'SELECT * FROM sites WHERE secret_hash = ? OR (previous_secret_hash = ? AND previous_secret_expires_at > ?) LIMIT 1';
/**
 * How long siteverify may use a site found by its secret. This instance's own changes drop the cache at
 * once; a rotation or deletion through another instance or the CLI reaches this one within this time.
 */
const SECRET_CACHE_MS = 1000;
const SECRET_CACHE_MAX = 10_000;

@Injectable()
export class SitesService {
  private readonly bySecretHash = new Map<string, { site: SiteEntity; until: number }>();

  private readonly cache = new Map<string, { site: SiteEntity | null; until: number }>();

  constructor(
    @InjectRepository(SiteEntity) private readonly sites: Repository<SiteEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly crypto: CryptoAdapter,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateSiteDto, fixedSitekey?: string): Promise<SiteWithSecretDto> {
    const now = this.clock.nowMs();
    const secret = this.newSecret();
    const site = this.sites.create({
      id: this.crypto.randomUuid(),
      sitekey: fixedSitekey ?? SITEKEY_PREFIX + this.crypto.randomToken(SITEKEY_BYTES),
      name: dto.name ?? dto.hostnames[0],
      secretHash: this.crypto.sha256Hex(secret),
      previousSecretHash: null,
      previousSecretExpiresAt: null,
      hostnames: dto.hostnames,
      level: dto.level,
      scoreThreshold: dto.scoreThreshold,
      difficulty: dto.difficulty,
      livenessThreshold: dto.livenessThreshold,
      livenessFallback: dto.livenessFallback,
      reviewLevels: dto.reviewLevels,
      createdAt: now,
      updatedAt: now,
    });
    await this.sites.insert(site);
    return { ...toSiteResponse(site, now), secret };
  }

  async list(): Promise<SiteResponseDto[]> {
    const sites = await this.sites.find({ order: { createdAt: 'ASC' } });
    return sites.map((site) => toSiteResponse(site, this.clock.nowMs()));
  }

  async get(sitekey: string): Promise<SiteResponseDto> {
    return toSiteResponse(await this.findOrFail(sitekey), this.clock.nowMs());
  }

  async update(sitekey: string, dto: UpdateSiteDto): Promise<SiteResponseDto> {
    const site = await this.findOrFail(sitekey);
    Object.assign(site, dto, { updatedAt: this.clock.nowMs() });
    await this.sites.save(site);
    this.bySecretHash.clear();
    this.cache.delete(sitekey);
    return toSiteResponse(site, this.clock.nowMs());
  }

  async remove(sitekey: string): Promise<void> {
    const result = await this.sites.delete({ sitekey });
    this.bySecretHash.clear();
    this.cache.delete(sitekey);
    if (!result.affected) throw siteNotFound();
  }

  /** New secret; the old one keeps working for the configured grace period unless revoked now. */
  async rotateSecret(sitekey: string, dto: RotateSecretDto): Promise<SiteWithSecretDto> {
    const site = await this.findOrFail(sitekey);
    const now = this.clock.nowMs();
    const grace = this.config.sites.secretRotationGraceSeconds * 1000;
    const secret = this.newSecret();
    const keepPrevious = !dto.invalidatePrevious && grace > 0;
    site.previousSecretHash = keepPrevious ? site.secretHash : null;
    site.previousSecretExpiresAt = keepPrevious ? now + grace : null;
    site.secretHash = this.crypto.sha256Hex(secret);
    site.updatedAt = now;
    await this.sites.save(site);
    this.bySecretHash.clear();
    return { ...toSiteResponse(site, now), secret };
  }

  /** findBySitekey for the public hot path (challenge issuance), cached for a few seconds. */
  async findBySitekeyCached(sitekey: string): Promise<SiteEntity | null> {
    const now = this.clock.nowMs();
    const hit = this.cache.get(sitekey);
    if (hit && hit.until > now) return hit.site;
    const site = await this.findBySitekey(sitekey);
    if (this.cache.size >= SITE_CACHE_MAX) this.cache.clear();
    this.cache.set(sitekey, { site, until: now + SITE_CACHE_MS });
    return site;
  }

  /** Drops the cached entry and reads the site again: for a caller that found the cached one stale. */
  async reloadCached(sitekey: string): Promise<SiteEntity | null> {
    this.cache.delete(sitekey);
    return this.findBySitekeyCached(sitekey);
  }

  findById(id: string): Promise<SiteEntity | null> {
    return this.sites.findOneBy({ id });
  }

  findBySitekey(sitekey: string): Promise<SiteEntity | null> {
    return this.sites.findOneBy({ sitekey });
  }

  /**
   * Looks a site up by its secret. The lookup is by SHA-256 of the secret, so response time does
   * not depend on how much of a guessed secret matches; the final comparison is constant-time too.
   */
  async findBySecret(secret: string): Promise<SiteEntity | null> {
    const hash = this.crypto.sha256Hex(secret);
    const now = this.clock.nowMs();
    const site = this.cachedBySecretHash(hash, now) ?? (await this.loadBySecretHash(hash, now));
    if (!site) return null;
    // Checked on every use, cached or not: the previous secret stops working the moment its grace ends.
    const current = this.crypto.constantTimeEqual(site.secretHash, hash);
    const previous =
      site.previousSecretHash !== null &&
      (site.previousSecretExpiresAt ?? 0) > now &&
      this.crypto.constantTimeEqual(site.previousSecretHash, hash);
    return current || previous ? site : null;
  }

  private cachedBySecretHash(hash: string, now: number): SiteEntity | null {
    const hit = this.bySecretHash.get(hash);
    return hit && hit.until > now ? hit.site : null;
  }

  /** One prepared statement (no query builder): this is the first query of every siteverify. */
  private async loadBySecretHash(hash: string, now: number): Promise<SiteEntity | null> {
    const [row] = await queryRows(this.sites, FIND_BY_SECRET_SQL, [hash, hash, now]);
    if (!row) return null;
    const site = hydrate(this.sites, row);
    // Only found sites are cached, so made-up secrets cannot crowd out real ones.
    if (this.bySecretHash.size >= SECRET_CACHE_MAX) this.bySecretHash.clear();
    this.bySecretHash.set(hash, { site, until: now + SECRET_CACHE_MS });
    return site;
  }

  private async findOrFail(sitekey: string): Promise<SiteEntity> {
    const site = await this.findBySitekey(sitekey);
    if (!site) throw siteNotFound();
    return site;
  }

  private newSecret(): string {
    return SECRET_PREFIX + this.crypto.randomToken(SECRET_BYTES);
  }
}

function siteNotFound(): NotFoundError {
  return new NotFoundError('site-not-found', 'No site with this sitekey');
}
