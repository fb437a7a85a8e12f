import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics; one registry per app instance so tests and several apps in one process stay apart. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'peerproof_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly latency = new Histogram({
    name: 'peerproof_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly siteverifyOutcomes = new Counter({
    name: 'peerproof_siteverify_total',
    help: 'siteverify answers by outcome: success or the first error code',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly livenessVerdicts = new Counter({
    name: 'peerproof_liveness_verdicts_total',
    help: 'Liveness verdicts by outcome and reason code (one count per reason; "none" for a clean pass)',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });

  private readonly openConnections = new Gauge({
    name: 'peerproof_http_open_connections',
    help: 'TCP connections open on the HTTP server',
    registers: [this.registry],
  });

  private readonly refusedConnections = new Counter({
    name: 'peerproof_http_refused_connections_total',
    help: 'Connections closed on arrival: over MAX_CONNECTIONS_PER_IP (per-ip) or MAX_CONNECTIONS (global)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly rateLimited = new Counter({
    name: 'peerproof_rate_limited_total',
    help: 'Requests answered 429 by budget (a route group, siteverify-site or siteverify-ip)',
    labelNames: ['budget'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'peerproof_' });
  }

  recordRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, seconds);
  }

  recordSiteverify(outcome: string): void {
    this.siteverifyOutcomes.inc({ outcome });
  }

  /** Reason codes come from the checks' fixed vocabulary, so the label set stays small. */
  recordLivenessVerdict(passed: boolean, reasons: readonly string[]): void {
    const outcome = passed ? 'passed' : 'failed';
    for (const reason of reasons.length > 0 ? reasons : ['none']) this.livenessVerdicts.inc({ outcome, reason });
  }

  connectionOpened(): void {
    this.openConnections.inc();
  }

  connectionClosed(): void {
    this.openConnections.dec();
  }

  recordRefusedConnection(reason: 'per-ip' | 'global'): void {
    this.refusedConnections.inc({ reason });
  }

  recordRateLimited(budget: string): void {
    this.rateLimited.inc({ budget });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
