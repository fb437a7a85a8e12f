import type { LogLevel as NestLogLevel, LoggerService } from '@nestjs/common';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { openFileLimit } from './adapters/process-limits.adapter';
import { AppModule } from './app.module';
import { writeClientError } from './common/client-error';
import { acceptMultipartForms } from './common/multipart-form';
import { ErrorFilter, errorBodyFor } from './common/error.filter';
import type { AppConfig, LogLevel } from './config/app-config';
import type { CoreOverrides } from './core.module';
import { resolveMaxConnections } from './edge/connection-guard';
import { edgeServerOptions, installEdge } from './edge/edge';
import { RateLimiter } from './edge/rate-limiter';
import { MetricsService } from './ops/metrics.service';
import { documentRoutes } from './ops/openapi-routes';
import { SITEVERIFY_PATHS } from './tokens/siteverify.paths';

const NEST_LEVELS: Record<LogLevel, NestLogLevel[]> = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** Nest's start-up chatter (one line per module and route) is only worth reading when debugging. */
const DEBUG_ONLY_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

class JsonLogger extends ConsoleLogger {
  constructor(
    private readonly debugEnabled: boolean,
    levels: NestLogLevel[],
  ) {
    super({ json: true, logLevels: levels });
  }

  override log(message: unknown, context?: string): void {
    if (!this.debugEnabled && context && DEBUG_ONLY_CONTEXTS.has(context)) return;
    super.log(message, context);
  }
}

export function createLogger(level: LogLevel): LoggerService {
  return new JsonLogger(level === 'debug', NEST_LEVELS[level]);
}

export interface CreateAppOptions extends CoreOverrides {
  logger?: LoggerService | false;
}

/** Builds the HTTP application, fully initialised but not listening; shared by `serve`, tests and benchmarks. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  // Before anything opens: a MAX_CONNECTIONS the open-file limit cannot hold stops the start (ConfigError).
  const maxConnections = resolveMaxConnections(config.http.connections.max, openFileLimit());
  const adapter = new FastifyAdapter({
    ...edgeServerOptions(config.http),
    logger: false,
    return503OnClosing: true,
    // Requests Node's HTTP parser rejects never become requests; answer them in the usual error shape.
    clientErrorHandler: writeClientError,
    // The router rejects malformed URLs before Nest sees the request; answer those in the usual shape too.
    frameworkErrors: answerFrameworkError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    logger: options.logger ?? createLogger(config.logLevel),
    abortOnError: false,
    // Peer requests sign the exact body bytes (src/peers/peer-auth.guard.ts). Nest's JSON parser reads the
    // body as a Buffer anyway; this only keeps a reference to it on the request.
    rawBody: true,
  });
  const fastify = app.getHttpAdapter().getInstance();
  installEdge(fastify, { config, limiter: app.get(RateLimiter), metrics: app.get(MetricsService), maxConnections });
  configureFastify(fastify, app.get(MetricsService), config);
  app.useGlobalFilters(new ErrorFilter());
  // The widget calls the public API from the embedding site's pages. No credentials are involved:
  // sites are checked against the Origin header server-side, and the admin API's bearer header is
  // not an allowed header, so other origins cannot use it from a browser.
  // Not strictPreflight: its 400 for an OPTIONS without the preflight headers is text/plain, not an error body.
  app.enableCors({
    origin: '*',
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: ['Content-Type'],
    maxAge: 86400,
    strictPreflight: false,
  });
  SwaggerModule.setup('docs', app, buildOpenApi(app, config), { jsonDocumentUrl: 'docs/openapi.json' });
  await app.init();
  await fastify.ready();
  return app;
}

export function buildOpenApi(app: NestFastifyApplication, config: AppConfig): OpenAPIObject {
  const document = new DocumentBuilder()
    .setTitle('PeerProof')
    .setDescription('Human verification by proof-of-inference and liveness; drop-in siteverify.')
    .setVersion('1')
    .addServer(config.http.publicUrl)
    .addBearerAuth()
    .build();
  return documentRoutes(SwaggerModule.createDocument(app, document));
}

function configureFastify(fastify: FastifyInstance, metrics: MetricsService, config: AppConfig): void {
  // Only JSON and form bodies are accepted; text/plain would otherwise reach validation as a string.
  fastify.removeContentTypeParser('text/plain');
  acceptMultipartForms(fastify, SITEVERIFY_PATHS);
  // No setErrorHandler here: Nest installs its exception layer as Fastify's error handler in app.init(),
  // so errors from body parsing and limits reach ErrorFilter too (see toErrorBody).
  const access = config.logLevel === 'debug' ? new Logger('access') : null;
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.recordRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    // The route pattern, never the URL: query strings and path parameters may carry tokens.
    access?.debug({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) });
    done();
  });
}

function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const body = errorBodyFor(error, request.url);
  void reply.status(body.statusCode).header('Cache-Control', 'no-store').send(body);
}
