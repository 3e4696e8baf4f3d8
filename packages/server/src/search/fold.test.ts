import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldText } from './fold.js';

describe('folding text for the PostgreSQL index', () => {
  it('folds ASCII text (its fast path) exactly as it folds the same characters within any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 200 }), (ascii) => {
        // One non-ASCII letter at the end sends the whole text through the general path; it folds to one character.
        const general = foldText(`${ascii}é`);
        expect(foldText(ascii)).toEqual({ text: general.text.slice(0, -1), origins: general.origins.slice(0, -1) });
      }),
    );
  });

  it('folds case, accents and punctuation, and knows where each folded character came from', () => {
    expect(foldText('Crème-Brûlée, 2x!')).toEqual({
      text: 'creme brulee  2x ',
      origins: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
    });
    expect(foldText('Beach-Trip, 2x!')).toEqual({ text: 'beach trip  2x ', origins: [...Array(16).keys()] });
  });
});
