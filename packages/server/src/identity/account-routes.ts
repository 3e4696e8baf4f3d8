import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { answer } from '../http/schemas.js';
import type { AccountCaller, AccountService } from './accounts.js';
import { identityGuard } from './bearer.js';
import { gatewayRouteProblems, identityRouteProblems, identitySecurity } from './bearer-problems.js';
import { mfaRoutes } from './mfa-routes.js';
import {
  AcceptedSchema,
  AccountTokenSchema,
  EmailChangeSchema,
  PasswordChangeSchema,
  PasswordResetConfirmSchema,
  PasswordResetSchema,
  VerifiedEmailSchema,
} from './schemas.js';
import type { IdentityService } from './service.js';

const tags = ['accounts'];
const bodyProblems = ['validation_failed', 'malformed_body', 'unsupported_media_type', 'payload_too_large'] as const;
const tokenProblems = [...bodyProblems, 'account_token_invalid', 'account_token_expired'] as const;
const accepted = { status: 'accepted' as const };

/** Email verification, password reset and change, email change: the account flows under /v1/accounts. */
export function accountRoutes(accounts: AccountService, identities: IdentityService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/accounts/verify',
      {
        schema: {
          tags,
          operationId: 'verifyEmail',
          summary: 'Prove an email: redeem the token of a verification message',
          description:
            'The app takes the token from the link (`?type=verify&token=…`) or from the code the user pasted. Single-use and expiring; ' +
            'afterwards the identity and its new access tokens say `emailVerified`.',
          security: [{ apiKey: [] }],
          body: AccountTokenSchema,
          response: { 200: answer(VerifiedEmailSchema, 'The email is proven'), ...gatewayRouteProblems(...tokenProblems) },
        },
      },
      async (request) => accounts.verifyEmail(request.body.token),
    );

    app.post(
      '/accounts/password-reset',
      {
        schema: {
          tags,
          operationId: 'requestPasswordReset',
          summary: 'Ask for a password-reset message',
          description:
            'Always answers 202 the same way, at the same cost, whether or not the email has an account: nobody learns which emails do. ' +
            'When one does, a single-use link valid for minutes is mailed (`?type=reset&token=…`). Throttled per email and per client address.',
          security: [{ apiKey: [] }],
          body: PasswordResetSchema,
          response: {
            202: answer(AcceptedSchema, 'Accepted: a message goes out if the email has an account'),
            ...gatewayRouteProblems(...bodyProblems, 'mail_throttled', 'mail_not_configured'),
          },
        },
      },
      async (request, reply) => {
        await accounts.requestPasswordReset(request.body.email, request.ip);
        return reply.status(202).send(accepted);
      },
    );

    app.post(
      '/accounts/password-reset/confirm',
      {
        schema: {
          tags,
          operationId: 'confirmPasswordReset',
          summary: 'Set a new password with the token of a reset message',
          description:
            'Single-use and expiring. Every session of the identity ends (log in again), other reset links stop working, and the owner is told by mail.',
          security: [{ apiKey: [] }],
          body: PasswordResetConfirmSchema,
          response: { 204: { type: 'null', description: 'Password set' }, ...gatewayRouteProblems(...tokenProblems) },
        },
      },
      async (request, reply) => {
        await accounts.confirmPasswordReset(request.body.token, request.body.newPassword);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/accounts/email/confirm',
      {
        schema: {
          tags,
          operationId: 'confirmEmailChange',
          summary: 'Confirm an email change with the token mailed to the new address',
          description: 'Single-use and expiring. The login moves to the new address, proven; the old address is told by mail.',
          security: [{ apiKey: [] }],
          body: AccountTokenSchema,
          response: { 200: answer(VerifiedEmailSchema, 'The new email, proven'), ...gatewayRouteProblems(...tokenProblems, 'email_taken') },
        },
      },
      async (request) => accounts.confirmEmailChange(request.body.token),
    );

    await app.register(async (own) => {
      own.addHook('onRequest', identityGuard(identities));
      await own.register(signedInAccountRoutes(accounts));
      await own.register(mfaRoutes(identities.mfa));
    });
  };
}

/** The flows of a signed-in identity: behind the identity guard. */
function signedInAccountRoutes(accounts: AccountService): FastifyPluginAsyncTypebox {
  return async (own) => {
    own.post(
      '/accounts/verify/resend',
      {
        schema: {
          tags,
          operationId: 'resendVerification',
          summary: 'Send the verification message again',
          description: 'For the signed-in identity’s email. Limited per email and per client address (`mail_throttled`).',
          security: identitySecurity,
          response: {
            202: answer(AcceptedSchema, 'Accepted: the message is queued'),
            ...identityRouteProblems('conflict', 'mail_throttled', 'mail_not_configured'),
          },
        },
      },
      async (request, reply) => {
        await accounts.resendVerification(accountCaller(request));
        return reply.status(202).send(accepted);
      },
    );

    own.post(
      '/accounts/password',
      {
        schema: {
          tags,
          operationId: 'changePassword',
          summary: 'Change your password',
          description:
            'Needs the current password, throttled like logins. Every other session of the identity ends; this one stays signed in. ' +
            'The owner is told by mail when mail is configured.',
          security: identitySecurity,
          body: PasswordChangeSchema,
          response: {
            204: { type: 'null', description: 'Password changed' },
            ...identityRouteProblems(...bodyProblems, 'invalid_credentials', 'login_throttled', 'conflict'),
          },
        },
      },
      async (request, reply) => {
        await accounts.changePassword(accountCaller(request), request.body.currentPassword, request.body.newPassword);
        return reply.status(204).send(null);
      },
    );

    own.post(
      '/accounts/email',
      {
        schema: {
          tags,
          operationId: 'changeEmail',
          summary: 'Change your email',
          description:
            'Needs the current password. A link is mailed to the new address (`?type=email-change&token=…`); the change happens when it ' +
            'is confirmed with POST /v1/accounts/email/confirm.',
          security: identitySecurity,
          body: EmailChangeSchema,
          response: {
            202: answer(AcceptedSchema, 'Accepted: a confirmation goes to the new address'),
            ...identityRouteProblems(
              ...bodyProblems,
              'invalid_credentials',
              'login_throttled',
              'conflict',
              'email_taken',
              'mail_throttled',
              'mail_not_configured',
            ),
          },
        },
      },
      async (request, reply) => {
        await accounts.requestEmailChange(accountCaller(request), request.body.newEmail, request.body.password);
        return reply.status(202).send(accepted);
      },
    );
  };
}

const accountCaller = (request: FastifyRequest): AccountCaller => {
  if (request.identityId === null || request.identitySessionId === null) throw new Error('identity guard missing on this route');
  return { identityId: request.identityId, sessionId: request.identitySessionId, clientAddress: request.ip };
};
