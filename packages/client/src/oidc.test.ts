import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../server/src/testing/engines.js';
import { startTestServer, type TestServer } from '../../server/src/testing/harness.js';
import { ROOMY_PLAN } from '../../server/src/testing/identity.js';
import { startOidcProvider, type TestOidcProvider } from '../../server/src/testing/oidc-provider.js';
import { clientOf } from './testing/clients.js';

describe.each(engines)('logging in with an OpenID ID token through the client (%s)', (engine) => {
  let provider: TestOidcProvider;
  let server: TestServer;
  beforeAll(async () => {
    provider = await startOidcProvider();
    server = await startTestServer({ engine, env: { ...ROOMY_PLAN, SHOEBOX_OIDC_PROVIDERS: JSON.stringify([provider.config]) } });
  });
  afterAll(async () => {
    await server.stop();
    await provider.stop();
  });

  it('links the login to the guest, which keeps its notes, and finds that identity again on another device', async () => {
    const phone = clientOf(server);
    const note = await phone.notes.create({ headline: 'Made as a guest', text: '' });
    const guest = phone.auth.identityId;
    const linked = await phone.auth.logIn({ provider: provider.name, idToken: await provider.idToken('oidc-user') });
    expect(linked).toEqual({ identityId: guest, kind: 'authenticated', mergedFrom: null });
    expect((await phone.notes.get(note.noteId)).headline).toBe('Made as a guest');

    const tablet = clientOf(server);
    await tablet.auth.logIn({ provider: provider.name, idToken: await provider.idToken('oidc-user') });
    expect(tablet.auth.identityId).toBe(guest);
    expect((await tablet.notes.get(note.noteId)).noteId).toBe(note.noteId);
    const refused = await tablet.auth.logIn({ provider: 'nobody', idToken: await provider.idToken('oidc-user') }).catch((error) => error);
    expect(refused).toMatchObject({ code: 'provider_unknown', status: 400 });
  });
});
