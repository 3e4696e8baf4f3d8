import type { QuotaPeriod } from './limiter.js';

/** The UTC calendar period containing `now`: weeks start on Monday (ISO 8601). */
export function periodBounds(period: QuotaPeriod, now: Date): { start: Date; end: Date } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const day = now.getUTCDate();
  if (period === 'day') {
    return { start: new Date(Date.UTC(year, month, day)), end: new Date(Date.UTC(year, month, day + 1)) };
  }
  if (period === 'week') {
    const sinceMonday = (now.getUTCDay() + 6) % 7;
    return {
      start: new Date(Date.UTC(year, month, day - sinceMonday)),
      end: new Date(Date.UTC(year, month, day - sinceMonday + 7)),
    };
  }
  return { start: new Date(Date.UTC(year, month, 1)), end: new Date(Date.UTC(year, month + 1, 1)) };
}
