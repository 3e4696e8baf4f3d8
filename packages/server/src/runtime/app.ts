import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ChangeFeed } from '../changes/feed.js';
import type { RealtimeHub } from '../changes/hub.js';
import { changeRoutes } from '../changes/routes.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { demoApiKey } from '../demo/demo-key.js';
import { demoFolder, demoRoutes } from '../demo/routes.js';
import { adminAuth } from '../http/admin-auth.js';
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
import { identityAdminRoutes } from '../identity/admin-routes.js';
import { identityGuard } from '../identity/bearer.js';
import { documentGuestPolicy, guestPolicy } from '../identity/guest-policy.js';
import { jwksRoute } from '../identity/jwks-route.js';
import { identityRoutes } from '../identity/routes.js';
import type { IdentityService } from '../identity/service.js';
import { keyAdminRoutes } from '../keys/admin-routes.js';
import { batchUsage } from '../keys/batch-usage.js';
import { apiGateway } from '../keys/gateway.js';
import { pingRoute } from '../keys/ping-route.js';
import type { ApiKeyService } from '../keys/service.js';
import type { Plan } from '../limiter/limiter.js';
import type { PlanLimiter } from '../limiter/plan-limiter.js';
import { noteBatchRoutes } from '../notes/batch-routes.js';
import { noteRoutes } from '../notes/routes.js';
import type { NotesService } from '../notes/service.js';
import type { Photos } from '../photos/factory.js';
import { publicPhotoRoutes } from '../photos/public-routes.js';
import { photoRoutes } from '../photos/routes.js';
import { searchRoutes } from '../search/routes.js';
import type { SearchService } from '../search/service.js';
import type { Logger } from '../shared/observability.js';
import { webhookAdminRoutes } from '../webhooks/admin-routes.js';
import type { Webhooks } from '../webhooks/factory.js';
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

/** Assembles the HTTP API. Capabilities are registered explicitly, in order, below. */
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
  await app.register(jwksRoute(services.identities));

  await app.register(
    async (admin) => {
      admin.addHook('onRequest', adminAuth(services.adminTokenHash));
      await admin.register(keyAdminRoutes(services.keys, services.defaultPlan));
      await admin.register(identityAdminRoutes(services.identities));
      await admin.register(webhookAdminRoutes(services.webhooks.service));
    },
    { prefix: '/admin' },
  );

  const { photos } = services;
  // Signed URLs (the filesystem store serves its own) and stable URLs of public photos carry their own authority: no API key.
  await photos.blobs.mount(app);
  await app.register(publicPhotoRoutes(photos.service, photos.blobs), { prefix: '/public/photos' });

  await app.register(
    async (v1) => {
      v1.addHook('onRequest', apiGateway(services.keys, services.limiter));
      await v1.register(pingRoute);
      await v1.register(identityRoutes(services.identities));
      // Everything below acts as an identity: API key and bearer access token.
      await v1.register(async (identified) => {
        identified.addHook('onRequest', identityGuard(services.identities));
        identified.addHook(
          'preHandler',
          guestPolicy(config.guests, services.identities, (id) => services.notes.countLive(id)),
        );
        identified.addHook('onRoute', documentGuestPolicy);
        await identified.register(noteRoutes(services.notes, config.notes));
        await identified.register(noteBatchRoutes(services.notes, config.notes, batchUsage(services.keys, services.limiter)));
        await identified.register(searchRoutes(services.search));
        await identified.register(photoRoutes(photos.service));
        await identified.register(
          changeRoutes(services.changeFeed, services.realtime, services.identities, config.realtimeHeartbeatSeconds),
        );
      });
    },
    { prefix: '/v1' },
  );

  if (config.demo) {
    const demoKey = demoApiKey(services.keys, services.defaultPlan, services.layout.secretsDir);
    await app.register(demoRoutes(demoFolder(), demoKey), { prefix: '/demo' });
  }

  await app.ready();
  return { fastify: app };
}
