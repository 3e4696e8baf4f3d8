import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { IdentityConfig } from '../config.js';
import { LoginThrottle } from './login-throttle.js';

/** Failure counters in this process's memory: exact for one API process; several processes need shared counters. */
export const memoryLoginThrottle = (config: IdentityConfig): LoginThrottle =>
  new LoginThrottle(
    new RateLimiterMemory({ keyPrefix: 'login-email', points: config.loginFailuresPerEmail, duration: config.loginFailureWindowSeconds }),
    new RateLimiterMemory({
      keyPrefix: 'login-address',
      points: config.loginFailuresPerAddress,
      duration: config.loginFailureWindowSeconds,
    }),
  );
