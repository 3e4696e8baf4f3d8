import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { answer, problemResponses } from '../http/schemas.js';
import {
  DeveloperLoginSchema,
  ForcedResetSchema,
  IdentityIdParams,
  IdentityPageSchema,
  IdentitySchema,
  ListQuerySchema,
  LoginResultSchema,
} from './schemas.js';
import type { IdentityService } from './service.js';
import { identityJson } from './views.js';

const adminErrors = ['admin_token_required', 'admin_token_invalid'] as const;
const bodyErrors = ['validation_failed', 'malformed_body', 'unsupported_media_type', 'payload_too_large'] as const;
const tags = ['admin: identities'];
const security = [{ adminToken: [] }];

/** Identity administration and developer-authenticated logins, under /admin. */
export function identityAdminRoutes(identities: IdentityService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/identities/login',
      {
        schema: {
          tags,
          security,
          operationId: 'logInDeveloper',
          summary: "Developer-authenticated login: tokens for one of your backend's users",
          description:
            'Your backend vouches for the user. The identity mapped to developerUserId is used, or created. With identityId (a guest), ' +
            'the login links to that guest, or the guest merges into the identity that already has it.',
          body: DeveloperLoginSchema,
          response: {
            200: answer(LoginResultSchema, "The user's identity and its tokens"),
            ...problemResponses(
              ...adminErrors,
              ...bodyErrors,
              'not_found',
              'identity_disabled',
              'identity_deleted',
              'login_taken',
              'provider_already_linked',
            ),
          },
        },
      },
      async (request) => identities.loginAsDeveloper(request.body.developerUserId, request.body.identityId ?? null),
    );

    app.get(
      '/identities',
      {
        schema: {
          tags,
          security,
          operationId: 'listIdentities',
          summary: 'List identities, oldest first, a page at a time; or find one by email',
          querystring: ListQuerySchema,
          response: { 200: answer(IdentityPageSchema, 'A page of identities'), ...problemResponses(...adminErrors, 'validation_failed') },
        },
      },
      async (request) => {
        const { limit, cursor, email } = request.query;
        const page = email === undefined ? await identities.list(limit, cursor) : await identities.findByEmail(email);
        return { identities: page.identities.map(identityJson), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/identities/:id',
      {
        schema: {
          tags,
          security,
          operationId: 'getIdentity',
          summary: 'One identity with its logins',
          params: IdentityIdParams,
          response: { 200: answer(IdentitySchema, 'The identity'), ...problemResponses(...adminErrors, 'not_found') },
        },
      },
      async (request) => identityJson(await identities.get(request.params.id)),
    );

    app.post(
      '/identities/:id/disable',
      {
        schema: {
          tags,
          security,
          operationId: 'disableIdentity',
          summary: 'Disable an identity: its tokens stop working at once',
          params: IdentityIdParams,
          response: { 200: answer(IdentitySchema, 'The identity, disabled'), ...problemResponses(...adminErrors, 'not_found') },
        },
      },
      async (request) => identityJson(await identities.disable(request.params.id)),
    );

    app.post(
      '/identities/:id/enable',
      {
        schema: {
          tags,
          security,
          operationId: 'enableIdentity',
          summary: 'Enable a disabled identity again',
          params: IdentityIdParams,
          response: { 200: answer(IdentitySchema, 'The identity, enabled'), ...problemResponses(...adminErrors, 'not_found') },
        },
      },
      async (request) => identityJson(await identities.enable(request.params.id)),
    );

    app.delete(
      '/identities/:id',
      {
        schema: {
          tags,
          security,
          operationId: 'deleteIdentity',
          summary: 'Delete an identity and everything it owns',
          description: 'Irreversible: its notes, photos, logins, sessions, second factor and unsent mail go, in one transaction.',
          params: IdentityIdParams,
          response: { 204: { type: 'null', description: 'Deleted' }, ...problemResponses(...adminErrors, 'not_found') },
        },
      },
      async (request, reply) => {
        await identities.get(request.params.id);
        await identities.delete(request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/identities/:id/password-reset',
      {
        schema: {
          tags,
          security,
          operationId: 'forcePasswordReset',
          summary: 'Force a password reset',
          description:
            'After a suspected compromise: the password stops working, every session ends, and a reset link is mailed to the ' +
            'account’s email when mail is configured. The user sets a new password through the link.',
          params: IdentityIdParams,
          response: {
            200: answer(ForcedResetSchema, 'The password is reset and a message queued'),
            ...problemResponses(...adminErrors, 'not_found', 'conflict'),
          },
        },
      },
      async (request) => {
        const { identity, mailed } = await identities.forcePasswordReset(request.params.id);
        return { identity: identityJson(identity), mailed };
      },
    );

    app.post(
      '/identities/:id/mfa/reset',
      {
        schema: {
          tags,
          security,
          operationId: 'resetIdentityMfa',
          summary: "Remove an identity's second factor",
          description: 'For a user who lost both the authenticator app and the recovery codes: password logins need no code again.',
          params: IdentityIdParams,
          response: {
            200: answer(IdentitySchema, 'The identity, without a second factor'),
            ...problemResponses(...adminErrors, 'not_found'),
          },
        },
      },
      async (request) => identityJson(await identities.resetMfa(request.params.id)),
    );
  };
}
