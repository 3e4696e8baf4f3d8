import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ChangeFeed } from '../changes/feed.js';
import type { RealtimeHub } from '../changes/hub.js';
import { registerChanges } from '../changes/register.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { registerDemo } from '../demo/register.js';
import { adminAuth } from '../http/admin-auth.js';
import { ScopedRoutes } from '../http/capability.js';
import { registerCors } from '../http/cors.js';
import { healthRoutes } from '../http/health.js';
import { installJsonParser } from '../http/json-body.js';
import { instrumentRequests, type MetricsSource, metricsSchema, serveMetrics } from '../http/metrics.js';
import { registerOpenApi } from '../http/openapi.js';
import { installProblemHandler } from '../http/problem-handler.js';
import { requestIdFor } from '../http/request-id.js';
import { RequestLog } from '../http/request-log.js';
import { ProblemSchema } from '../http/schemas.js';
import { installSecurityHeaders } from '../http/security-headers.js';
import { buildSerializer, schemaCompiler } from '../http/validation.js';
import { identifiedGuard, registerIdentity } from '../identity/register.js';
import type { IdentityService } from '../identity/service.js';
import { keyGateway, registerKeys } from '../keys/register.js';
import type { ApiKeyService } from '../keys/service.js';
import type { Plan } from '../limiter/limiter.js';
import type { PlanLimiter } from '../limiter/plan-limiter.js';
import { registerNotes } from '../notes/register.js';
import type { NotesService } from '../notes/service.js';
import type { Photos } from '../photos/factory.js';
import { registerPhotos } from '../photos/register.js';
import { registerSearch } from '../search/register.js';
import type { SearchService } from '../search/service.js';
import type { Logger } from '../shared/observability.js';
import type { Webhooks } from '../webhooks/factory.js';
import { registerWebhooks } from '../webhooks/register.js';
import type { DataLayout } from './layout.js';

/** Everything the HTTP layer needs, built once by the runtime. */
export interface AppServices {
  readonly config: Config;
  /** Where clients reach this server; known for sure only once it listens (port 0). */
  readonly publicUrl: () => string;
  readonly database: Database;
  readonly keys: ApiKeyService;
  readonly identities: IdentityService;
  readonly notes: NotesService;
  readonly search: SearchService;
  readonly limiter: PlanLimiter;
  readonly defaultPlan: Plan;
  /** The admin token's hash, read per request; undefined until a new deployment has made its token. */
  readonly adminTokenHash: () => string | undefined;
  readonly photos: Photos;
  readonly logger: Logger;
  readonly registry: Registry;
  /** What /metrics serves when not `registry` alone: every process of a `serve` with several HTTP processes. */
  readonly metrics?: MetricsSource;
  readonly webhooks: Webhooks;
  readonly changeFeed: ChangeFeed;
  readonly realtime: RealtimeHub;
  /** Where the data folder keeps its files (the sample app's API key among its secrets). */
  readonly layout: DataLayout;
}

export interface App {
  readonly fastify: FastifyInstance;
}

/**
 * Assembles the HTTP API: what every request goes through, then each capability's routes in the
 * scopes it serves, behind the guards chosen here.
 */
export async function buildApp(services: AppServices): Promise<App> {
  const { config } = services;
  const app = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    logController: new RequestLog(),
    genReqId: requestIdFor,
    bodyLimit: config.bodyLimitBytes,
    // Only the listed proxies' X-Forwarded-* entries count: request.ip keys the per-address limits.
    trustProxy: config.trustProxy === false ? false : [...config.trustProxy],
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
    schemaController: { compilersFactory: { buildSerializer } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(schemaCompiler);
  app.decorateRequest('apiKeyId', null);
  app.decorateRequest('identityId', null);
  app.decorateRequest('identitySessionId', null);
  app.decorateRequest('identity', null);
  app.addSchema(ProblemSchema);
  installJsonParser(app);
  installProblemHandler(app, instrumentRequests(app, services.registry));
  installSecurityHeaders(app);

  await registerCors(app, config.corsOrigins);
  await registerOpenApi(app, services.publicUrl);
  healthRoutes(app, services.database);
  app.get(
    '/metrics',
    { schema: metricsSchema, onRequest: adminAuth(services.adminTokenHash) },
    serveMetrics(services.metrics ?? services.registry),
  );

  // Each capability adds its routes to the scopes it serves; their order here is their order in each scope.
  const { identities, keys, limiter, photos } = services;
  const gateway = keyGateway(keys, limiter);
  const routes = new ScopedRoutes();
  registerKeys(routes.scopes, { keys, defaultPlan: services.defaultPlan });
  registerIdentity(routes.scopes, { identities });
  registerWebhooks(routes.scopes, { webhooks: services.webhooks.service });
  registerNotes(routes.scopes, { notes: services.notes, limits: config.notes, batchUsage: gateway.batchUsage });
  registerSearch(routes.scopes, { search: services.search });
  registerPhotos(routes.scopes, { photos: photos.service, blobs: photos.blobs });
  registerChanges(routes.scopes, {
    feed: services.changeFeed,
    realtime: services.realtime,
    identities,
    heartbeatSeconds: config.realtimeHeartbeatSeconds,
  });
  if (config.demo) registerDemo(routes.scopes, { keys, plan: services.defaultPlan, secretsDir: services.layout.secretsDir });
  await routes.mount(app, {
    admin: (admin) => admin.addHook('onRequest', adminAuth(services.adminTokenHash)),
    apiKey: gateway.guard,
    identified: identifiedGuard(identities, config.guests, (id) => services.notes.countLive(id)),
  });

  await app.ready();
  return { fastify: app };
}
