import type { BodyLimits } from '../config/edge-config';

/**
 * The per-client request budgets. `siteverify` is special: its budget is per site once the secret is
 * known (src/tokens/siteverify.service.ts), and per client address only for calls without a valid secret.
 */
export type RateGroup = 'challenges' | 'peers' | 'demo' | 'ledger' | 'models' | 'metrics' | 'siteverify' | 'other';

/** What the edge applies to a route family: a request budget (null = none) and, if it needs one, a body limit. */
export interface RoutePolicy {
  rate: RateGroup | null;
  body?: keyof BodyLimits;
}

interface PolicyRule extends RoutePolicy {
  /** A route pattern as registered (`/api/v1/challenges/:id/solution`); matches it and everything below it. */
  route: string;
}

/**
 * One line per route family, most specific first. A route that matches no line gets the `other` budget, so
 * new routes are limited until someone decides otherwise. To give a route its own body limit, add a field to
 * BodyLimits (src/config/edge-config.ts, with its variable) and a line here.
 */
const RULES: readonly PolicyRule[] = [
  // Load balancers and orchestrators probe these; they must answer whatever else is going on.
  { route: '/healthz', rate: null },
  { route: '/readyz', rate: null },
  { route: '/siteverify', rate: 'siteverify' },
  { route: '/api/v1/siteverify', rate: 'siteverify' },
  { route: '/api/v1/challenges/:id/solution', rate: 'challenges', body: 'solutionBytes' },
  { route: '/api/v1/challenges/:id/liveness', rate: 'challenges', body: 'livenessStepBytes' },
  { route: '/api/v1/challenges', rate: 'challenges' },
  { route: '/api/v1/peers', rate: 'peers' },
  { route: '/api/v1/ledger', rate: 'ledger' },
  { route: '/api/v1/models', rate: 'models' },
  { route: '/models', rate: 'models' },
  { route: '/metrics', rate: 'metrics' },
  { route: '/demo', rate: 'demo' },
  // Behind ADMIN_TOKEN; operators script these.
  { route: '/api/v1/admin', rate: null },
  // Static, cacheable files every visitor's page loads (the widget) and the API document.
  { route: '/widget', rate: null },
  { route: '/docs', rate: null },
];

const OTHER: RoutePolicy = { rate: 'other' };

const resolved = new Map<string, RoutePolicy>();

/** The policy of a registered route pattern; `undefined` (no route matched: a 404) counts as `other`. */
export function routePolicy(route: string | undefined): RoutePolicy {
  if (route === undefined) return OTHER;
  let policy = resolved.get(route);
  if (!policy) {
    policy = policyOf(route);
    resolved.set(route, policy);
  }
  return policy;
}

function policyOf(route: string): RoutePolicy {
  const rule = RULES.find((candidate) => route === candidate.route || route.startsWith(`${candidate.route}/`));
  if (!rule) return OTHER;
  return rule.body ? { rate: rule.rate, body: rule.body } : { rate: rule.rate };
}
