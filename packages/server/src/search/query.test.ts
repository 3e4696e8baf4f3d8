import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Problem } from '../errors.js';
import { engines } from '../testing/engines.js';
import { seedIdentities } from '../testing/identity.js';
import { openTestShoebox, type TestShoebox } from '../testing/shoebox.js';
import { matchExpression } from './match.sqlite.js';
import { parseQuery, QUERY_MAX_LENGTH } from './query.js';

const w = (text: string) => ({ text, prefix: false });
const p = (text: string) => ({ text, prefix: true });

describe('query parser', () => {
  it.each([
    { q: 'beach trip', groups: [[w('beach')], [w('trip')]], excluded: [] },
    { q: '"summer beach" trip', groups: [[w('summer beach')], [w('trip')]], excluded: [] },
    { q: 'beach -rain -"grey sky"', groups: [[w('beach')]], excluded: [w('rain'), w('grey sky')] },
    { q: 'phot* "sum"*', groups: [[p('phot')], [p('sum')]], excluded: [] },
    { q: 'a b OR c', groups: [[w('a')], [w('b'), w('c')]], excluded: [] },
    { q: 'a OR b OR c', groups: [[w('a'), w('b'), w('c')]], excluded: [] },
    { q: 'OR a OR', groups: [[w('a')]], excluded: [] },
    { q: 'a or b', groups: [[w('a')], [w('or')], [w('b')]], excluded: [] },
    { q: 'a -b OR c', groups: [[w('a')], [w('c')]], excluded: [w('b')] },
    { q: 'e-mail - *** "unterminated phrase', groups: [[w('e-mail')], [w('unterminated phrase')]], excluded: [] },
    {
      q: 'headline:x NEAR(a b) x AND y',
      groups: [[w('headline:x')], [w('NEAR(a')], [w('b)')], [w('x')], [w('AND')], [w('y')]],
      excluded: [],
    },
    { q: 'tab\there\u0000nul\u200bzero', groups: [[w('tab')], [w('here')], [w('nul')], [w('zero')]], excluded: [] },
  ])('parses $q', ({ q, groups, excluded }) => {
    expect(parseQuery(q)).toEqual({ groups, excluded });
  });

  it.each([
    'a*',
    'beach "summer b"*',
    '',
    '   ',
    '-beach',
    '***',
    '"" OR',
    '- -',
    'OR',
    '"!?"',
    'x'.repeat(QUERY_MAX_LENGTH + 1),
    Array(33).fill('w').join(' '),
  ])('refuses %j with a validation problem', (q) => {
    expect(() => parseQuery(q)).toThrow(Problem);
  });

  it('quotes every term in the FTS5 expression', () => {
    const expression = matchExpression(parseQuery('say "hi ""there""" -xy* a OR b'), 'o123');
    expect(expression).toBe(
      'scope : "o123" AND {headline text} : ("say" AND "hi" AND "there" AND ("a" OR "b")) NOT {headline text} : ("xy"*)',
    );
  });
});

describe.each(engines)('query parser against the search index ($name, property)', (engine) => {
  let shoebox: TestShoebox;
  beforeAll(async () => {
    shoebox = await openTestShoebox(engine);
    await seedIdentities(shoebox, 'idn_a');
    await shoebox.notes.create('idn_a', { headline: 'NEAR the "quoted" headline', text: 'col:umn * stars OR and AND ^ caret' });
    await shoebox.processor.drain();
  });
  afterAll(() => shoebox.dispose());

  /** Strings built from the characters that mean something to FTS5 or to the parser, plus anything. */
  const tricky = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 100 }),
    fc
      .array(
        fc.constantFrom(
          '"',
          '*',
          '-',
          ':',
          '(',
          ')',
          '{',
          '}',
          '^',
          '+',
          'OR',
          'AND',
          'NOT',
          'NEAR',
          'NEAR(',
          ' ',
          'a',
          'héllo',
          '\u0000',
          '\u0001',
          '文字',
          'headline:',
          'scope:',
          'o1',
        ),
        {
          maxLength: 60,
        },
      )
      .map((parts) => parts.join('')),
  );

  it('either refuses a query with a validation problem or runs it without an engine error', async () => {
    await fc.assert(
      fc.asyncProperty(tricky, async (q) => {
        let parsed: ReturnType<typeof parseQuery>;
        try {
          parsed = parseQuery(q);
        } catch (error) {
          expect(error).toBeInstanceOf(Problem);
          expect((error as Problem).code).toBe('validation_failed');
          return;
        }
        await shoebox.searchIndex.search(parsed, { kind: 'owner', ownerId: 'idn_a' }, { limit: 5 });
        await shoebox.searchIndex.search(parsed, { kind: 'public' }, { limit: 5 });
      }),
      { numRuns: 1000 },
    );
  });
});
