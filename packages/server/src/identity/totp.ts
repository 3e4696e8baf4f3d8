import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 as authenticator apps use it: SHA-1, 30-second steps, 6 digits (otplib's defaults). */
const PERIOD_SECONDS = 30;
/** A code of the step before or after now still works: phones' clocks drift and typing takes time. */
const TOLERANCE_SECONDS = PERIOD_SECONDS;

export interface TotpEnrolment {
  readonly secret: string;
  readonly otpauthUri: string;
  /** The otpauth URI as a PNG QR code, as a data: URL to show in an <img>. */
  readonly qrCode: string;
}

/** A new secret (160 bits, base32) with its otpauth URI and QR code, labelled with the app and the account. */
export async function newTotp(issuer: string, label: string): Promise<TotpEnrolment> {
  const secret = generateSecret({ length: 20 });
  const otpauthUri = generateURI({ issuer, label, secret });
  // Imported on the first enrolment, not at every start.
  const { toDataURL } = await import('qrcode');
  return { secret, otpauthUri, qrCode: await toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 2, width: 240 }) };
}

/**
 * The time step of `code` if it is a valid code of `secret` now and of a later step than
 * `afterTimeStep` (the last one accepted), so an accepted code cannot be replayed; null otherwise.
 * otplib compares in constant time.
 */
export async function totpTimeStep(secret: string, code: string, afterTimeStep: number | null, nowMs: number): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(nowMs / 1000),
    epochTolerance: TOLERANCE_SECONDS,
    ...(afterTimeStep !== null && { afterTimeStep }),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
