/**
 * What the OpenAPI document says of each route beyond what Nest's decorators give: a summary, the query
 * parameters, the answer's schema and every error code. Kept in one table, next to the shared schemas, so the
 * whole API reads in one place; `documentRoutes` merges it into the generated document, and a test checks
 * that every route has an entry and every entry a route.
 */
import { FRAME_REJECTIONS } from '../liveness/attempts/frame-structure';
import type { OpenAPIObject } from '@nestjs/swagger';

type Schema = Record<string, unknown>;

interface QueryParam {
  name: string;
  description: string;
  schema: Schema;
  required?: boolean;
}

export interface RouteDoc {
  summary: string;
  query?: QueryParam[];
  /** The success status and the schema of its JSON body (none for 204 and for binary answers). */
  ok: { status: number; description: string; schema?: Schema };
  /** Error statuses with the `code`s each may carry. */
  errors?: Record<number, string[]>;
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = (description?: string): Schema => ({ type: 'string', ...(description && { description }) });
const int = (description?: string): Schema => ({ type: 'integer', ...(description && { description }) });
const num = (description?: string): Schema => ({ type: 'number', ...(description && { description }) });
const obj = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  required,
  properties,
});
const list = (items: Schema): Schema => ({ type: 'array', items });
const nullable = (schema: Schema): Schema => ({ ...schema, nullable: true });
const dateTime = (description?: string): Schema => ({ ...str(description), format: 'date-time' });
const hex64 = (description?: string): Schema => ({ ...str(description), pattern: '^[0-9a-f]{64}$' });
const whole = (description: string): Schema => ({ ...int(description), minimum: 0 });

export const SHARED_SCHEMAS: Record<string, Schema> = {
  ErrorBody: {
    ...obj(
      {
        statusCode: int(),
        code: str('machine-readable, e.g. `invalid-request`'),
        message: str(),
        details: { type: 'object', description: 'more about some errors, e.g. `issues` of invalid-request' },
      },
      ['statusCode', 'code', 'message'],
    ),
    description: 'Every error. Siteverify routes add `success: false` and `error-codes`.',
  },
  Site: obj({
    sitekey: str('ppk_…'),
    name: str(),
    hostnames: list(str('`example.com` or `*.example.com`')),
    level: { type: 'string', enum: ['compute', 'liveness'] },
    scoreThreshold: num('0…1: a challenge scoring below fails'),
    difficulty: { type: 'string', enum: ['easy', 'normal', 'hard'] },
    livenessThreshold: nullable(num('0…1; null = LIVENESS_THRESHOLD')),
    livenessFallback: { type: 'boolean', description: 'visitors without a camera may pass a compute challenge' },
    reviewLevels: {
      ...list({ type: 'string', enum: ['compute', 'liveness'] }),
      description: 'levels whose passes a peer committee reviews; siteverify may wait for it',
    },
    createdAt: dateTime(),
    updatedAt: dateTime(),
    previousSecretValidUntil: nullable(dateTime('end of a rotation grace period, while one runs')),
  }),
  SiteWithSecret: {
    allOf: [ref('Site'), obj({ secret: str('pps_…; shown only here, stored only as a hash') })],
  },
  LedgerEntry: obj(
    {
      seq: whole('position in the log, from 0'),
      time: int('milliseconds since the epoch'),
      kind: {
        type: 'string',
        enum: ['grant', 'stake', 'unbond', 'withdraw', 'verdict', 'reward', 'slash', 'model-publish'],
      },
      peer: str('peer id'),
      amount: whole('whole units'),
      job: str(),
      model: str(),
      data: { type: 'object' },
    },
    ['seq', 'time', 'kind'],
  ),
  SignedTreeHead: obj({
    size: whole('entries in the log'),
    root: hex64('RFC 6962 Merkle root, lowercase hex'),
    timestamp: int('milliseconds since the epoch'),
    signature: str('Ed25519 over the canonical JSON {log, root, size, timestamp}, base64url'),
  }),
  Balance: obj({
    free: whole('granted or withdrawn units backing nothing'),
    staked: whole('bonded: counts for committees, slashable'),
    unbonding: list(obj({ amount: whole('units'), releaseAt: int('milliseconds since the epoch') })),
    withdrawn: whole('total'),
    rewarded: whole('total'),
    slashed: whole('total'),
  }),
  Peer: obj({
    id: str('the Ed25519 public key, base64url'),
    publicKey: str(),
    models: list(hex64('sha256 of a model file it holds')),
    registeredAt: dateTime(),
    lastSeenAt: dateTime(),
    jobsAnswered: whole('count'),
  }),
  StakeChange: obj({ entry: ref('LedgerEntry'), balance: ref('Balance') }),
  Challenge: obj(
    {
      id: { ...str(), format: 'uuid' },
      sitekey: str(),
      level: { type: 'string', enum: ['compute', 'liveness'] },
      issuedAt: dateTime(),
      expiresAt: dateTime(),
      steps: list(str('`inference`, `liveness`')),
      inference: obj({
        modelId: str(),
        modelSha256: hex64(),
        modelUrl: str(),
        seed: str('32 hex characters'),
        count: int('inferences to run'),
        inputName: str(),
        inputShape: list(int()),
        outputFormat: str(),
        tolerance: num(),
      }),
      liveness: obj(
        {
          version: { type: 'integer', enum: [2] },
          maxAttempts: int('attempts this challenge allows'),
          fallback: { type: 'boolean' },
          nonce: str('v1 widget only; read by no verdict'),
          script: { type: 'object', description: 'v1 widget only; read by no verdict' },
        },
        ['version', 'maxAttempts', 'fallback'],
      ),
    },
    ['id', 'sitekey', 'level', 'issuedAt', 'expiresAt', 'steps', 'inference'],
  ),
  TestChallenge: obj({
    id: nullable(str()),
    sitekey: str('ppk_test_always_pass'),
    test: { type: 'boolean', enum: [true] },
    token: str('the dummy token'),
    expiresAt: dateTime(),
  }),
  LivenessStep: {
    ...obj(
      {
        attempt: str('the attempt id'),
        step: obj(
          {
            index: int(),
            kind: { type: 'string', enum: ['rest', 'prompt', 'flashes', 'done'] },
            durationMs: int('how long to film the step'),
            action: {
              type: 'string',
              enum: ['turn-left', 'turn-right', 'look-up', 'blink', 'smile', 'open-mouth'],
              description: 'prompt steps',
            },
            leadMs: int('flash steps: unlit before the first colour'),
            tailMs: int('flash steps: unlit after the last colour'),
            flashes: list(obj({ colour: int(), rgb: list(int()), durationMs: int() })),
            key: str("the step's frame key, base64url (32 bytes)"),
          },
          ['index', 'kind'],
        ),
        verdict: obj({ passed: { type: 'boolean' }, score: num(), hints: list(str()) }),
      },
      ['attempt', 'step'],
    ),
    description: 'The next step revealed, or `kind: done` with the verdict (docs/protocol.md, "Liveness attempts")',
  },
  SolutionResult: {
    oneOf: [
      obj(
        {
          status: { type: 'string', enum: ['solved'] },
          token: str('ppt_…, for siteverify'),
          expiresAt: dateTime(),
          score: num(),
          liveness: obj({ score: num() }),
        },
        ['status', 'token', 'expiresAt', 'score'],
      ),
      obj(
        {
          status: { type: 'string', enum: ['failed'] },
          reason: str('inference-mismatch, score-below-threshold, liveness-failed, …'),
          message: str(),
          hints: list(str()),
        },
        ['status', 'reason', 'message'],
      ),
    ],
  },
};

const ADMIN_ERRORS = { 401: ['missing-admin-token', 'invalid-admin-token'], 404: ['admin-api-disabled'] };
const PEER_AUTH = {
  401: ['unsigned-request', 'bad-signature', 'stale-request', 'unknown-peer', 'replayed-request'],
};
const INVALID = ['invalid-request', 'malformed-json', 'empty-body'];
const RANGE_PARAM = (name: string, description: string): QueryParam => ({
  name,
  description,
  required: true,
  schema: { type: 'integer', minimum: 0 },
});
const STAKE_ERRORS = {
  ...PEER_AUTH,
  400: INVALID,
  409: ['insufficient-balance', 'unbonding-not-due'],
  429: ['rate-limited'],
};

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'post /api/v1/admin/sites': {
    summary: 'Create a site; the answer holds its secret, the only time it is shown',
    ok: { status: 201, description: 'the site and its secret', schema: ref('SiteWithSecret') },
    errors: { ...ADMIN_ERRORS, 400: INVALID },
  },
  'get /api/v1/admin/sites': {
    summary: 'List the sites (without secrets)',
    ok: { status: 200, description: 'every site', schema: list(ref('Site')) },
    errors: ADMIN_ERRORS,
  },
  'get /api/v1/admin/sites/{sitekey}': {
    summary: 'One site',
    ok: { status: 200, description: 'the site', schema: ref('Site') },
    errors: { ...ADMIN_ERRORS, 400: ['invalid-request'], 404: ['site-not-found', 'admin-api-disabled'] },
  },
  'patch /api/v1/admin/sites/{sitekey}': {
    summary: 'Change some of a site’s fields (hostnames are replaced as a whole)',
    ok: { status: 200, description: 'the changed site', schema: ref('Site') },
    errors: { ...ADMIN_ERRORS, 400: INVALID, 404: ['site-not-found', 'admin-api-disabled'] },
  },
  'delete /api/v1/admin/sites/{sitekey}': {
    summary: 'Delete a site; its tokens stop redeeming',
    ok: { status: 204, description: 'deleted' },
    errors: { ...ADMIN_ERRORS, 400: ['invalid-request'], 404: ['site-not-found', 'admin-api-disabled'] },
  },
  'post /api/v1/admin/sites/{sitekey}/rotate-secret': {
    summary: 'A new secret; the old one works for SECRET_ROTATION_GRACE_SECONDS unless invalidatePrevious',
    ok: { status: 201, description: 'the site and its new secret', schema: ref('SiteWithSecret') },
    errors: { ...ADMIN_ERRORS, 400: INVALID, 404: ['site-not-found', 'admin-api-disabled'] },
  },
  'post /api/v1/admin/ledger/grants': {
    summary: 'Grant free units to a peer: a public `grant` entry',
    ok: {
      status: 201,
      description: 'the entry and the signed head that includes it',
      schema: obj({ entry: ref('LedgerEntry'), head: ref('SignedTreeHead') }),
    },
    errors: { ...ADMIN_ERRORS, 400: INVALID, 503: ['ledger-busy'] },
  },
  'post /api/v1/challenges': {
    summary: 'Issue a challenge to a page (the Origin header must be one of the site’s hostnames)',
    ok: {
      status: 201,
      description: 'the challenge; the test sitekey gets a token at once',
      schema: { oneOf: [ref('Challenge'), ref('TestChallenge')] },
    },
    errors: {
      400: INVALID,
      403: ['origin-required', 'hostname-not-allowed', 'test-sitekey-fails', 'level-not-allowed'],
      404: ['unknown-sitekey'],
      429: ['rate-limited'],
    },
  },
  'post /api/v1/challenges/{id}/liveness': {
    summary: 'Liveness v2: `{}` starts an attempt; `{attempt, step, frames}` answers a revealed step',
    ok: {
      status: 200,
      description: 'the next step, or the end of the attempt with its verdict',
      schema: ref('LivenessStep'),
    },
    errors: {
      400: [...INVALID, 'liveness-not-requested', ...FRAME_REJECTIONS],
      404: ['challenge-not-found (also for an id that is no UUID)', 'liveness-attempt-not-found'],
      409: [
        'challenge-already-attempted',
        'liveness-attempts-exhausted',
        'liveness-attempt-finished',
        'liveness-step-out-of-order',
        'liveness-step-busy',
      ],
      410: ['challenge-expired'],
      413: ['payload-too-large'],
      429: ['rate-limited'],
    },
  },
  'post /api/v1/challenges/{id}/solution': {
    summary: 'Submit a solution (one attempt per challenge)',
    ok: { status: 200, description: 'solved with a token, or failed with a reason', schema: ref('SolutionResult') },
    errors: {
      400: [...INVALID, 'wrong-output-count', 'liveness-evidence-required', 'liveness-not-requested'],
      403: ['origin-mismatch', 'challenge-site-mismatch', 'liveness-not-passed'],
      404: ['challenge-not-found (also for an id that is no UUID)'],
      409: ['challenge-already-attempted'],
      410: ['challenge-expired'],
      413: ['payload-too-large'],
      429: ['rate-limited'],
    },
  },
  'get /api/v1/models/manifest': {
    summary: 'The model manifest, signed with the service key (docs/peers.md)',
    ok: {
      status: 200,
      description: 'the signed manifest',
      schema: obj({
        version: { type: 'integer', enum: [1] },
        models: list({
          type: 'object',
          description: 'models/manifest.json entries plus infoHash, magnetURI, torrentUrl',
        }),
        publicKey: str(),
        signedAt: dateTime(),
        signature: str('Ed25519 over the canonical JSON of every other member, base64url'),
      }),
    },
  },
  'get /api/v1/models/{id}/torrent': {
    summary: 'A model’s deterministic .torrent file',
    ok: { status: 200, description: 'application/x-bittorrent' },
    errors: { 404: ['model-not-found'] },
  },
  'get /models/{file}': {
    summary: 'A model file (ETag = sha256, immutable, Range requests)',
    ok: { status: 200, description: 'the bytes; 206 for a Range' },
    errors: { 404: ['model-not-found'], 416: ['range-not-satisfiable'] },
  },
  'get /api/v1/ledger/head': {
    summary: 'The current signed tree head',
    ok: { status: 200, description: 'the head', schema: ref('SignedTreeHead') },
    errors: { 503: ['ledger-busy'] },
  },
  'get /api/v1/ledger/witnessed-head': {
    summary: 'The largest head witnesses co-signed, with their co-signatures (docs/ledger.md, "Witnessed heads")',
    ok: {
      status: 200,
      description: 'the head as the witnesses co-signed it, and their co-signatures',
      schema: obj({
        size: whole('entries in the log'),
        root: hex64('RFC 6962 Merkle root, lowercase hex'),
        timestamp: int('milliseconds since the epoch'),
        cosignatures: list(
          obj({
            witness: str('peer id: its Ed25519 public key, base64url'),
            signature: str('Ed25519 over {log: "peerproof-ledger-witness-v1", root, size, timestamp}, base64url'),
          }),
        ),
      }),
    },
    errors: { 404: ['no-witnessed-head'] },
  },
  'get /api/v1/ledger/stats': {
    summary: 'Totals for a dashboard',
    ok: {
      status: 200,
      description: 'the totals',
      schema: obj({
        size: whole('entries'),
        peers: whole('peers with a balance'),
        stakedPeers: whole('peers with bonded stake'),
        totalStaked: whole('units'),
        totalUnbonding: whole('units'),
        totalRewarded: whole('units'),
        totalSlashed: whole('units'),
        entries: { type: 'object', additionalProperties: { type: 'integer' }, description: 'count by kind' },
      }),
    },
  },
  'get /api/v1/ledger/entries': {
    summary: 'Entries with start ≤ seq < end, at most 1000 an answer',
    query: [RANGE_PARAM('start', 'first seq'), RANGE_PARAM('end', 'one past the last seq (≥ start)')],
    ok: { status: 200, description: 'the entries in seq order', schema: obj({ entries: list(ref('LedgerEntry')) }) },
    errors: { 400: ['invalid-request'] },
  },
  'get /api/v1/ledger/proof/inclusion': {
    summary: 'RFC 6962 inclusion proof of entry `index` in the tree of `size` entries',
    query: [RANGE_PARAM('index', 'the entry’s seq'), RANGE_PARAM('size', 'tree size, 1 … current size')],
    ok: {
      status: 200,
      description: 'the proof',
      schema: obj({ index: whole('seq'), size: whole('tree size'), leafHash: hex64(), proof: list(hex64()) }),
    },
    errors: { 400: ['invalid-request', 'index-out-of-range', 'size-out-of-range'], 503: ['ledger-busy'] },
  },
  'get /api/v1/ledger/proof/consistency': {
    summary: 'RFC 6962 consistency proof between tree sizes `first` and `second`',
    query: [RANGE_PARAM('first', '1 … second'), RANGE_PARAM('second', 'up to the current size')],
    ok: {
      status: 200,
      description: 'the proof',
      schema: obj({ first: whole('size'), second: whole('size'), proof: list(hex64()) }),
    },
    errors: { 400: ['invalid-request', 'size-out-of-range'], 503: ['ledger-busy'] },
  },
  'get /api/v1/ledger/balances': {
    summary: 'Every peer’s balance as derived from the log',
    ok: {
      status: 200,
      description: 'balances by peer id',
      schema: obj({ balances: { type: 'object', additionalProperties: ref('Balance') } }),
    },
  },
  'get /api/v1/ledger/balances/{peer}': {
    summary: 'One peer’s balance (zeros for a peer the log never named)',
    ok: { status: 200, description: 'the balance', schema: { allOf: [obj({ peer: str() }), ref('Balance')] } },
    errors: { 400: ['invalid-request'] },
  },
  'get /api/v1/peers': {
    summary: 'The registered verifier peers',
    ok: { status: 200, description: 'the peers', schema: obj({ peers: list(ref('Peer')) }) },
    errors: { 429: ['rate-limited'] },
  },
  'get /api/v1/peers/jobs/{id}/committee': {
    summary: 'A job’s committee draw, to recompute (docs/ledger.md)',
    ok: {
      status: 200,
      description: 'the draw',
      schema: obj({
        id: str(),
        drawn: { type: 'boolean', description: 'false: an open committee, taken while nobody had stake' },
        headSize: nullable(whole('size of the head drawn from')),
        headRoot: nullable(hex64('root of that head, the draw’s seed')),
        candidates: list(str('peer id')),
        members: list(obj({ peer: str(), stake: whole('units') })),
        service: nullable(obj({ peer: { type: 'string', enum: ['service'] }, stake: whole('units'), score: num() })),
      }),
    },
    errors: { 400: ['invalid-request'], 404: ['job-not-found'], 429: ['rate-limited'] },
  },
  'post /api/v1/peers/register': {
    summary: 'Register the signing key as a peer (signed)',
    ok: {
      status: 200,
      description: 'the peer; created says whether it is new',
      schema: obj({ peer: ref('Peer'), created: { type: 'boolean' } }),
    },
    errors: { ...PEER_AUTH, 400: INVALID, 429: ['rate-limited'] },
  },
  'post /api/v1/peers/me/heartbeat': {
    summary: 'Presence and the models the peer holds (signed)',
    ok: { status: 200, description: 'the peer', schema: obj({ peer: ref('Peer') }) },
    errors: { ...PEER_AUTH, 400: INVALID, 429: ['rate-limited'] },
  },
  'get /api/v1/peers/me/jobs': {
    summary: 'Jobs waiting for this peer, long-polled up to `wait` seconds (signed)',
    query: [
      {
        name: 'wait',
        description: 'seconds to wait for a job when none is pending (0 … 30, default 0)',
        schema: { type: 'integer', minimum: 0, maximum: 30, default: 0 },
      },
    ],
    ok: {
      status: 200,
      description: 'the pending jobs',
      schema: obj({
        jobs: list(
          obj({
            id: str(),
            kind: str('inference-audit'),
            phase: { type: 'string', enum: ['commit', 'reveal'] },
            models: list(hex64()),
            commitDeadline: dateTime(),
            revealDeadline: nullable(dateTime()),
          }),
        ),
      }),
    },
    errors: { ...PEER_AUTH, 400: ['invalid-request'], 429: ['rate-limited'] },
  },
  'get /api/v1/peers/me/jobs/{id}/evidence': {
    summary: 'A job’s evidence, for a peer on its committee (signed)',
    ok: {
      status: 200,
      description: 'the evidence',
      schema: obj({
        id: str(),
        kind: str(),
        models: list(hex64()),
        evidence: { type: 'object' },
        commitDeadline: dateTime(),
      }),
    },
    errors: {
      ...PEER_AUTH,
      400: ['invalid-request'],
      403: ['not-assigned'],
      404: ['job-not-found'],
      429: ['rate-limited'],
    },
  },
  'post /api/v1/peers/me/jobs/{id}/commit': {
    summary: 'Commit to a verdict: hex SHA-256(canonical verdict ‖ salt) (signed)',
    ok: {
      status: 200,
      description: 'committed',
      schema: obj({ id: str(), status: { type: 'string', enum: ['committed'] } }),
    },
    errors: {
      ...PEER_AUTH,
      400: INVALID,
      403: ['not-assigned'],
      404: ['job-not-found'],
      409: ['already-committed', 'commits-closed', 'commit-deadline-passed'],
      429: ['rate-limited'],
    },
  },
  'post /api/v1/peers/me/jobs/{id}/reveal': {
    summary: 'Reveal the committed verdict and salt (signed)',
    ok: {
      status: 200,
      description: 'revealed',
      schema: obj({ id: str(), status: { type: 'string', enum: ['revealed'] } }),
    },
    errors: {
      ...PEER_AUTH,
      400: [...INVALID, 'reveal-mismatch', 'verdict-models-mismatch'],
      403: ['not-assigned'],
      404: ['job-not-found'],
      409: ['commits-open', 'not-committed', 'already-revealed', 'reveal-deadline-passed'],
      429: ['rate-limited'],
    },
  },
  'get /api/v1/peers/me/balance': {
    summary: 'The signing peer’s balance (signed)',
    ok: { status: 200, description: 'the balance', schema: ref('Balance') },
    errors: { ...PEER_AUTH, 429: ['rate-limited'] },
  },
  'post /api/v1/peers/me/stake': {
    summary: 'Bond free units (a `stake` entry; signed)',
    ok: { status: 200, description: 'the entry and the new balance', schema: ref('StakeChange') },
    errors: STAKE_ERRORS,
  },
  'post /api/v1/peers/me/unbond': {
    summary: 'Start unbonding staked units (an `unbond` entry; signed)',
    ok: { status: 200, description: 'the entry and the new balance', schema: ref('StakeChange') },
    errors: STAKE_ERRORS,
  },
  'post /api/v1/peers/me/withdraw': {
    summary: 'Withdraw released unbonding units (a `withdraw` entry; signed)',
    ok: { status: 200, description: 'the entry and the new balance', schema: ref('StakeChange') },
    errors: STAKE_ERRORS,
  },
  'post /api/v1/peers/me/cosignatures': {
    summary: 'Co-sign a signed head the peer checked for consistency (signed; admitted peers only)',
    ok: {
      status: 200,
      description: 'stored (again: unchanged); how many witnesses co-signed that head',
      schema: obj({ size: whole('the head co-signed'), witnesses: whole('co-signatures of that head') }),
    },
    errors: {
      ...PEER_AUTH,
      400: INVALID,
      403: ['peer-not-admitted'],
      404: ['unknown-head'],
      422: ['bad-cosignature'],
      429: ['rate-limited'],
    },
  },
  'get /healthz': {
    summary: 'The process is up',
    ok: { status: 200, description: 'up', schema: obj({ status: { type: 'string', enum: ['ok'] } }) },
  },
  'get /readyz': {
    summary: 'The database answers',
    ok: {
      status: 200,
      description: 'ready',
      schema: obj({ status: { type: 'string', enum: ['ready'] }, database: str('sqlite or postgres') }),
    },
    errors: { 503: ['database-unavailable'] },
  },
  'get /api/v1/keys': {
    summary: 'The service’s Ed25519 public key (manifest and tree-head signatures)',
    ok: {
      status: 200,
      description: 'the key',
      schema: obj({
        algorithm: { type: 'string', enum: ['ed25519'] },
        publicKey: str('raw 32 bytes, base64url'),
        keyId: str('first 16 hex characters of its SHA-256'),
      }),
    },
  },
};

const SITEVERIFY_ERRORS: Record<number, string[]> = {
  400: [...INVALID, 'malformed-multipart'],
  413: ['payload-too-large'],
  415: ['unsupported-media-type'],
  429: ['rate-limited'],
};

/**
 * Merges ROUTE_DOCS into a generated document: summaries, query parameters, success schemas, error
 * responses (as ErrorBody, listing their codes). Siteverify's own decorators describe its answers; its
 * routes get the error statuses only.
 */
export function documentRoutes(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...SHARED_SCHEMAS } };
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations as Record<string, Operation>)) {
      const doc = ROUTE_DOCS[`${method} ${path}`];
      if (doc) applyDoc(operation, doc);
      else if (path.endsWith('/siteverify'))
        operation.responses = { ...operation.responses, ...errorResponses(SITEVERIFY_ERRORS) };
    }
  }
  return document;
}

interface Operation {
  summary?: string;
  parameters?: Array<Record<string, unknown>>;
  responses: Record<string, unknown>;
}

function applyDoc(operation: Operation, doc: RouteDoc): void {
  operation.summary = doc.summary;
  const query = (doc.query ?? []).map((param) => ({ in: 'query', required: param.required ?? false, ...param }));
  operation.parameters = [...(operation.parameters ?? []).filter((p) => p.in !== 'query'), ...query];
  const content = doc.ok.schema ? { content: { 'application/json': { schema: doc.ok.schema } } } : {};
  operation.responses = {
    [String(doc.ok.status)]: { description: doc.ok.description, ...content },
    ...errorResponses(doc.errors ?? {}),
  };
}

function errorResponses(errors: Record<number, string[]>): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, codes] of Object.entries(errors)) {
    responses[status] = {
      description: `code: ${codes.map((code) => `\`${code}\``).join(', ')}`,
      content: { 'application/json': { schema: ref('ErrorBody') } },
    };
  }
  return responses;
}
