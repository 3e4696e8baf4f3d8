import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { answer } from '../http/schemas.js';
import { identityRouteProblems, identitySecurity } from './bearer-problems.js';
import type { MfaCaller, MfaService } from './mfa.js';
import { MfaCodeSchema, RecoveryCodesSchema, TotpEnrolmentSchema } from './schemas.js';

const tags = ['accounts'];
const bodyProblems = ['validation_failed', 'malformed_body', 'unsupported_media_type', 'payload_too_large'] as const;

/** Enrolling, confirming and removing a TOTP second factor; behind the identity guard. */
export function mfaRoutes(mfa: MfaService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/accounts/mfa/totp',
      {
        schema: {
          tags,
          operationId: 'enrollTotp',
          summary: 'Start enrolling a TOTP second factor',
          description:
            'Answers a new secret, its otpauth URI and a QR code image for the authenticator app. Nothing changes for logins until ' +
            'POST /v1/accounts/mfa/totp/confirm; enrolling again before that starts over. Needs a password login.',
          security: identitySecurity,
          response: { 201: answer(TotpEnrolmentSchema, 'The secret, its otpauth URI and a QR code'), ...identityRouteProblems('conflict') },
        },
      },
      async (request, reply) => reply.status(201).send(await mfa.enrol(mfaCaller(request))),
    );

    app.post(
      '/accounts/mfa/totp/confirm',
      {
        schema: {
          tags,
          operationId: 'confirmTotp',
          summary: 'Activate the second factor with a first code',
          description:
            'From now on a password login answers 401 mfa_required with an mfaToken, completed at POST /v1/identities/login/mfa. ' +
            'Answers ten single-use recovery codes, shown this once (stored hashed). Codes are throttled like passwords.',
          security: identitySecurity,
          body: MfaCodeSchema,
          response: {
            200: answer(RecoveryCodesSchema, 'Active: ten single-use recovery codes, shown once'),
            ...identityRouteProblems(...bodyProblems, 'conflict', 'mfa_code_invalid', 'login_throttled'),
          },
        },
      },
      async (request) => ({ recoveryCodes: await mfa.confirm(mfaCaller(request), request.body.code) }),
    );

    app.post(
      '/accounts/mfa/totp/disable',
      {
        schema: {
          tags,
          operationId: 'disableTotp',
          summary: 'Remove the second factor',
          description: 'Needs a current code of the authenticator app, or a recovery code. Its recovery codes go too.',
          security: identitySecurity,
          body: MfaCodeSchema,
          response: {
            204: { type: 'null', description: 'Removed' },
            ...identityRouteProblems(...bodyProblems, 'conflict', 'mfa_code_invalid', 'login_throttled'),
          },
        },
      },
      async (request, reply) => {
        await mfa.disable(mfaCaller(request), request.body.code);
        return reply.status(204).send(null);
      },
    );
  };
}

const mfaCaller = (request: FastifyRequest): MfaCaller => {
  if (request.identityId === null) throw new Error('identity guard missing on this route');
  return { identityId: request.identityId, clientAddress: request.ip };
};
