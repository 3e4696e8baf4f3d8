import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';

/** A capability's routes: a Fastify plugin whose schemas are TypeBox's. */
export type RoutePlugin = FastifyPluginAsyncTypebox;

/** One place routes go. Plugins are mounted in the order they are added, under `prefix` when given. */
export interface Scope {
  add(plugin: RoutePlugin, prefix?: string): void;
}

/**
 * Where a capability may add routes. What a scope demands of a request is the assembly's choice
 * (its guards, runtime/app.ts), never a capability's: a route cannot leave its scope's guard out.
 */
export interface Scopes {
  /** At the root, no credentials: what carries its own authority (signed URLs, public photos, JWKS) or needs none. */
  readonly public: Scope;
  /** Under /admin, behind the admin token. */
  readonly admin: Scope;
  /** Under /v1, behind the API gateway: an API key, within its usage plan. */
  readonly apiKey: Scope;
  /** Under /v1, behind the API gateway and the identity guard: the routes that act as an identity. */
  readonly identified: Scope;
}

/**
 * A capability's one entry point into the HTTP app: adds its routes to the scopes, given only the
 * services they use.
 */
export type Register<Services> = (scopes: Scopes, services: Services) => void;

/** Adds a scope's hooks (its guard) to the scope's instance before any of its routes. */
export type ScopeGuard = (scope: FastifyInstance) => void;

/** The guarded scopes' guards; the public scope has none. */
export interface ScopeGuards {
  readonly admin: ScopeGuard;
  readonly apiKey: ScopeGuard;
  readonly identified: ScopeGuard;
}

interface Mount {
  readonly plugin: RoutePlugin;
  readonly prefix: string | undefined;
}

/**
 * Collects the routes capabilities add while they register, then mounts each scope with its guard,
 * in a fixed order: public, /admin, /v1 (the API-key routes, then the identified ones inside).
 */
export class ScopedRoutes {
  private readonly mounts = { public: [] as Mount[], admin: [] as Mount[], apiKey: [] as Mount[], identified: [] as Mount[] };

  readonly scopes: Scopes = {
    public: this.scope(this.mounts.public),
    admin: this.scope(this.mounts.admin),
    apiKey: this.scope(this.mounts.apiKey),
    identified: this.scope(this.mounts.identified),
  };

  async mount(app: FastifyInstance, guards: ScopeGuards): Promise<void> {
    const { mounts } = this;
    await mountAll(app, mounts.public);
    await app.register(
      async (admin) => {
        guards.admin(admin);
        await mountAll(admin, mounts.admin);
      },
      { prefix: '/admin' },
    );
    await app.register(
      async (v1) => {
        guards.apiKey(v1);
        await mountAll(v1, mounts.apiKey);
        await v1.register(async (identified) => {
          guards.identified(identified);
          await mountAll(identified, mounts.identified);
        });
      },
      { prefix: '/v1' },
    );
  }

  private scope(mounts: Mount[]): Scope {
    return { add: (plugin, prefix) => mounts.push({ plugin, prefix }) };
  }
}

async function mountAll(scope: FastifyInstance, mounts: readonly Mount[]): Promise<void> {
  for (const { plugin, prefix } of mounts) await scope.register(plugin, prefix === undefined ? {} : { prefix });
}
