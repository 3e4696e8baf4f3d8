import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Problem } from '../errors.js';
import { callerOf } from '../http/caller.js';
import { answer } from '../http/schemas.js';
import { accountRoutes } from './account-routes.js';
import { identityGuard } from './bearer.js';
import { gatewayRouteProblems, IDENTITY_PROBLEM_CODES, identityRouteProblems, identitySecurity } from './bearer-problems.js';
import type { LinkCaller } from './linking.js';
import { IdentitySchema, LoginResultSchema, LoginSchema, MfaLoginSchema, RefreshSchema, SignUpSchema, TokenPairSchema } from './schemas.js';
import type { IdentityService } from './service.js';
import { identityJson } from './views.js';

const tags = ['identities'];
const bodyProblems = ['validation_failed', 'malformed_body', 'unsupported_media_type', 'payload_too_large'] as const;
/** Sign-up and login take an optional bearer token: to link the login to its identity. */
const linkingProblems = [...IDENTITY_PROBLEM_CODES.filter((code) => code !== 'access_token_missing'), ...bodyProblems] as const;
const linkingSecurity = [{ apiKey: [] }, ...identitySecurity];

/** The identity routes under /v1. The API-key gateway of the /v1 scope runs before all of them. */
export function identityRoutes(identities: IdentityService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const guestIfPresented = identityGuard(identities, { optional: true });
    await app.register(accountRoutes(identities.accounts, identities));

    app.post(
      '/identities',
      {
        schema: {
          tags,
          operationId: 'createGuest',
          summary: 'Create a guest identity for this device',
          description:
            'Answers the new identity with its first token pair. Needs only the API key; its usage plan bounds floods, and each ' +
            'client address may create a limited number of guests per window (`guest_creation_throttled`).',
          security: [{ apiKey: [] }],
          response: {
            201: answer(TokenPairSchema, 'The new guest identity and its first tokens'),
            ...gatewayRouteProblems('guest_creation_throttled'),
          },
        },
      },
      async (request, reply) => reply.status(201).send(await identities.createGuest(request.ip)),
    );

    app.post(
      '/identities/refresh',
      {
        schema: {
          tags,
          operationId: 'refreshTokens',
          summary: 'Exchange a refresh token for a new token pair',
          description: 'Refresh tokens are single-use. Presenting one that was already used revokes its whole session (theft detection).',
          security: [{ apiKey: [] }],
          body: RefreshSchema,
          response: {
            200: answer(TokenPairSchema, 'A new token pair; the refresh token sent no longer works'),
            ...gatewayRouteProblems(
              'refresh_token_invalid',
              'refresh_token_is_access_token',
              'refresh_token_expired',
              'refresh_token_reused',
              'refresh_token_revoked',
              'identity_disabled',
              ...bodyProblems,
            ),
          },
        },
      },
      async (request) => identities.refresh(request.body.refreshToken),
    );

    app.post(
      '/accounts',
      {
        onRequest: guestIfPresented,
        schema: {
          tags,
          operationId: 'signUp',
          summary: 'Sign up with email and password',
          description:
            "With a guest's bearer token, the account is linked to that guest, which keeps its id and data. With an authenticated identity's, " +
            'it is added to that identity if the token comes from a recent login (`403 reauthentication_required` otherwise). ' +
            'Without one, a new identity is created.',
          security: linkingSecurity,
          body: SignUpSchema,
          response: {
            201: answer(LoginResultSchema, 'Signed up: the identity and its tokens'),
            ...gatewayRouteProblems(...linkingProblems, 'email_taken', 'provider_already_linked', 'reauthentication_required'),
          },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await identities.signUp(request.body.email, request.body.password, bearerCaller(request))),
    );

    app.post(
      '/identities/login',
      {
        onRequest: guestIfPresented,
        schema: {
          tags,
          operationId: 'logIn',
          summary: 'Log in with a password or an OpenID provider ID token',
          description:
            "With a guest's bearer token, a login that has no identity yet is linked to the guest; a login that already has one " +
            "absorbs the guest (its data moves, it is disabled, and `mergedFrom` names it). With an authenticated identity's, a login " +
            'that has no identity yet is added to it if the token comes from a recent login (`403 reauthentication_required` otherwise).',
          security: linkingSecurity,
          body: LoginSchema,
          response: {
            200: answer(LoginResultSchema, 'Logged in: the identity and its tokens'),
            ...gatewayRouteProblems(
              ...linkingProblems,
              'provider_unknown',
              'invalid_credentials',
              'login_throttled',
              'email_not_verified',
              'mfa_required',
              'login_taken',
              'provider_already_linked',
              'reauthentication_required',
              'id_token_malformed',
              'id_token_unsigned',
              'id_token_algorithm_refused',
              'id_token_key_unknown',
              'id_token_signature_invalid',
              'id_token_issuer_invalid',
              'id_token_audience_invalid',
              'id_token_expired',
              'id_token_not_yet_valid',
              'id_token_nonce_invalid',
              'oidc_provider_unavailable',
            ),
          },
        },
      },
      async (request) => {
        const { provider, email, password, idToken, nonce } = request.body;
        if (provider === 'password') {
          if (email === undefined || password === undefined || idToken !== undefined || nonce !== undefined) {
            throw invalidBody('body.provider "password" takes email and password, and no idToken or nonce');
          }
          return identities.loginWithPassword(email, password, bearerCaller(request), request.ip);
        }
        if (!identities.hasProvider(provider)) {
          throw new Problem(
            'provider_unknown',
            `No login provider is named "${provider}". Providers: ${identities.providerNames().join(', ')}.`,
          );
        }
        if (idToken === undefined || email !== undefined || password !== undefined) {
          throw invalidBody(`body.provider "${provider}" takes an idToken, and no email or password`);
        }
        return identities.loginWithIdToken(provider, idToken, nonce, bearerCaller(request));
      },
    );

    app.post(
      '/identities/login/mfa',
      {
        onRequest: guestIfPresented,
        schema: {
          tags,
          operationId: 'logInWithSecondFactor',
          summary: 'Finish a password login with a second-factor code',
          description:
            'After a password login answered 401 mfa_required: its mfaToken (single-use, valid minutes) and a code of the authenticator ' +
            'app or a recovery code. A wrong code leaves the mfaToken usable; codes are throttled like passwords and each works once. ' +
            'Links a guest bearer token like the password login.',
          security: linkingSecurity,
          body: MfaLoginSchema,
          response: {
            200: answer(LoginResultSchema, 'Logged in: the identity and its tokens'),
            ...gatewayRouteProblems(
              ...linkingProblems,
              'mfa_token_invalid',
              'mfa_code_invalid',
              'login_throttled',
              'login_taken',
              'provider_already_linked',
              'reauthentication_required',
            ),
          },
        },
      },
      async (request) => identities.loginWithMfa(request.body.mfaToken, request.body.code, bearerCaller(request), request.ip),
    );

    await app.register(async (own) => {
      own.addHook('onRequest', identityGuard(identities));

      own.get(
        '/identities/me',
        {
          schema: {
            tags,
            operationId: 'getMyIdentity',
            summary: 'Your identity: kind, logins and creation time',
            security: identitySecurity,
            response: { 200: answer(IdentitySchema, 'Your identity'), ...identityRouteProblems() },
          },
        },
        async (request) => {
          if (!request.identity) throw new Error('identity guard missing on this route');
          return identityJson(await identities.view(request.identity));
        },
      );

      own.delete(
        '/identities/me',
        {
          schema: {
            tags,
            operationId: 'deleteMyIdentity',
            summary: 'Delete your identity and everything it owns',
            description: 'Irreversible. Its logins are freed, its tokens stop working at once.',
            security: identitySecurity,
            response: { 204: answer(Type.Null(), 'Deleted'), ...identityRouteProblems() },
          },
        },
        async (request, reply) => {
          await identities.delete(callerOf(request));
          return reply.status(204).send();
        },
      );

      own.post(
        '/identities/logout',
        {
          schema: {
            tags,
            operationId: 'logOut',
            summary: 'Log out: end this session',
            description: "The session's refresh token and access tokens stop working at once. Other devices stay signed in.",
            security: identitySecurity,
            response: { 204: answer(Type.Null(), 'Logged out'), ...identityRouteProblems() },
          },
        },
        async (request, reply) => {
          if (request.identitySessionId) await identities.logout(request.identitySessionId);
          return reply.status(204).send();
        },
      );
    });
  };
}

/** The identity and session of the bearer token sent with a sign-up or login, if one was. */
const bearerCaller = (request: FastifyRequest): LinkCaller | null =>
  request.identityId !== null && request.identitySessionId !== null
    ? { identityId: request.identityId, sessionId: request.identitySessionId }
    : null;

const invalidBody = (detail: string) =>
  new Problem('validation_failed', detail, { extensions: { errors: [{ field: 'body', message: detail }] } });
