import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { seedIdentities } from '../testing/identity.js';
import { openTestShoebox, type TestShoebox } from '../testing/shoebox.js';

const A = 'idn_alice';
const B = 'idn_bob';

describe.each(engines)('search ($name)', (engine) => {
  let shoebox: TestShoebox;
  beforeAll(async () => {
    shoebox = await openTestShoebox(engine);
    await seedIdentities(shoebox, A, B);
    const notes: [owner: string, id: string, headline: string, text: string, visibility?: 'public'][] = [
      [A, 'trip', 'Summer photography trip', 'We went running along the beach near the café.'],
      [A, 'groceries', 'Groceries', 'Apples, bread, running shoes, a photo album.'],
      [A, 'beach-text', 'Weekend', 'Beach volleyball with the whole team.'],
      [A, 'beach-head', 'Beach day', 'Sun and sand.'],
      [A, 'html', 'Markup <b>bold</b> & "quotes"', 'The <script>alert(1)</script> tag is text here.', 'public'],
      [B, 'bob-secret', 'Bob beach photography', 'Running secrets of Bob.'],
      [B, 'bob-public', 'Bob public beach', 'Open to everyone.', 'public'],
    ];
    for (const [owner, id, headline, text, visibility] of notes) await shoebox.notes.put(owner, id, { headline, text, visibility });
    for (let i = 0; i < 25; i++)
      await shoebox.notes.put(A, `page-${String(i).padStart(2, '0')}`, { headline: `Pager ${i}`, text: 'pagination filler' });
    await shoebox.processor.drain();
  });
  afterAll(() => shoebox.dispose());

  const ids = async (q: string, scope: 'mine' | 'public' = 'mine', identity = A) =>
    (await shoebox.search.search(identity, { q, limit: 100, scope })).hits.map((hit) => hit.noteId);

  it.each([
    { name: 'all words must match', q: 'running beach', expected: ['trip'] },
    { name: 'stemming', q: 'runs', expected: ['groceries', 'trip'] },
    { name: 'case and diacritics folded', q: 'CAFE', expected: ['trip'] },
    { name: 'exact phrase', q: '"running shoes"', expected: ['groceries'] },
    { name: 'phrase words apart do not match', q: '"running beach"', expected: [] },
    { name: 'exclusion', q: 'running -apples', expected: ['trip'] },
    { name: 'prefix', q: 'photo*', expected: ['groceries', 'trip'] },
    { name: 'OR', q: 'volleyball OR apples', expected: ['beach-text', 'groceries'] },
    { name: 'column filters are plain words', q: 'headline:beach', expected: [] },
    { name: 'operators are plain words', q: 'beach NEAR(sand', expected: [] },
  ])('$name: $q', async ({ q, expected }) => {
    expect((await ids(q)).sort()).toEqual([...expected].sort());
  });

  it('ranks headline matches above text matches', async () => {
    const ranked = await ids('beach');
    expect(ranked[0]).toBe('beach-head');
    expect(ranked.slice(1).sort()).toEqual(['beach-text', 'trip']);
  });

  it("searches only the caller's notes, and public notes of everyone with scope=public", async () => {
    expect(await ids('bob')).toEqual([]);
    expect((await ids('beach', 'mine', B)).sort()).toEqual(['bob-public', 'bob-secret']);
    expect((await ids('beach OR markup', 'public')).sort()).toEqual(['bob-public', 'html']);
    expect(await ids('secrets', 'public')).toEqual([]);
  });

  it('answers highlights as escaped HTML with <mark> around matches', async () => {
    const [hit] = (await shoebox.search.search(A, { q: 'bold script', limit: 1, scope: 'mine' })).hits;
    expect(hit?.highlights.headline).toBe('Markup &lt;b&gt;<mark>bold</mark>&lt;/b&gt; &amp; &quot;quotes&quot;');
    expect(hit?.highlights.text).toContain('&lt;<mark>script</mark>&gt;');
    expect(hit?.text).toBe('The <script>alert(1)</script> tag is text here.');
    expect(hit?.score).toBeGreaterThan(0);
  });

  it('pages through every hit exactly once with the cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await shoebox.search.search(A, { q: 'pagination', limit: 10, scope: 'mine', cursor });
      seen.push(...page.hits.map((hit) => hit.noteId));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(Array.from({ length: 25 }, (_, i) => `page-${String(i).padStart(2, '0')}`));
  });

  it.each([
    { name: 'garbage', cursor: 'garbage!' },
    { name: 'another query', cursor: 'other' },
  ])('refuses a cursor that is $name', async ({ cursor: kind }) => {
    const first = await shoebox.search.search(A, { q: 'pagination', limit: 1, scope: 'mine' });
    const cursor = kind === 'other' ? (first.nextCursor ?? '') : kind;
    await expect(shoebox.search.search(A, { q: 'filler', limit: 1, scope: 'mine', cursor })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it("suggests completions from the caller's notes only", async () => {
    const suggestions = await shoebox.search.suggest(A, 'phot');
    expect(suggestions.filter((s) => s.kind === 'term').map((s) => s.value)).toEqual(['photo', 'photography']);
    expect(suggestions.filter((s) => s.kind === 'headline').map((s) => s.value)).toEqual(['Summer photography trip', 'Groceries']);
    expect(JSON.stringify(await shoebox.search.suggest(A, 'secr'))).toBe('[]');
    expect((await shoebox.search.suggest(B, 'secr')).map((s) => s.value)).toEqual(['secrets', 'Bob beach photography']);
  });
});
