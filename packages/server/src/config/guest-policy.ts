import type { Config } from './config.js';

/** What an identity does through /v1, as a guest policy names it. */
export const GUEST_ACTIONS = ['notes:read', 'notes:write', 'photos:read', 'photos:write', 'search'] as const;
export type GuestAction = (typeof GUEST_ACTIONS)[number];

/** What guests (identities without a login yet) may do (variables.ts); the defaults are what accounts may. */
export type GuestPolicyConfig = Config['guests'];

/** Parses SHOEBOX_GUEST_ALLOW: `*`, `none`, or a comma list of actions. Throws a message completing "… is wrong: ". */
export function parseGuestActions(raw: string): GuestAction[] {
  if (raw === '*') return [...GUEST_ACTIONS];
  if (raw === 'none') return [];
  const actions = raw.split(',').map((action) => action.trim());
  for (const action of actions) {
    if (!(GUEST_ACTIONS as readonly string[]).includes(action)) {
      throw new Error(`"${action}" is not an action; expected *, none, or a comma list of ${GUEST_ACTIONS.join(', ')}`);
    }
  }
  return actions as GuestAction[];
}
