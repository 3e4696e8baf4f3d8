/**
 * The program the generated-client smoke test type-checks and runs: an app's first calls written
 * against openapi-fetch and the types openapi-typescript generated from /openapi.json. It lives
 * beside those freshly generated types (./api.js), in a folder the test makes.
 */
export const SMOKE_PROGRAM = `import createClient from 'openapi-fetch';
import type { paths } from './api.js';

/** Guest, then a note, then the search that finds it (the index follows a change stream: it is asked again). */
export async function guestNoteSearch(baseUrl: string, apiKey: string, word: string): Promise<string[]> {
  const api = createClient<paths>({ baseUrl, headers: { 'x-api-key': apiKey } });
  const guest = await api.POST('/v1/identities');
  if (!guest.data) throw new Error(\`guest: \${guest.response.status}\`);
  const headers = { authorization: \`Bearer \${guest.data.accessToken}\` };
  const note = await api.POST('/v1/notes', { body: { headline: \`About \${word}\`, text: 'Made by a generated client' }, headers });
  if (!note.data) throw new Error(\`note: \${note.response.status}\`);
  for (let attempt = 0; attempt < 200; attempt++) {
    const found = await api.GET('/v1/search', { params: { query: { q: word } }, headers });
    if (!found.data) throw new Error(\`search: \${found.response.status}\`);
    if (found.data.hits.length > 0) return found.data.hits.map((hit) => hit.noteId);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the note never showed up in search');
}
`;
