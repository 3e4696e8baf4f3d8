import { describe, expect, it } from 'vitest';
import { type Conditions, parseRange, planDelivery } from './delivery.js';

const info = { size: 1000, etag: '"v1"', lastModified: new Date('2026-01-02T03:04:05.678Z') };

describe('byte ranges', () => {
  it.each([
    { header: 'bytes=0-99', expected: { start: 0, end: 99 } },
    { header: 'bytes=100-', expected: { start: 100, end: 999 } },
    { header: 'bytes=-100', expected: { start: 900, end: 999 } },
    { header: 'bytes=-5000', expected: { start: 0, end: 999 } },
    { header: 'bytes=990-5000', expected: { start: 990, end: 999 } },
    { header: 'bytes=999-999', expected: { start: 999, end: 999 } },
    { header: ' bytes=0-0 ', expected: { start: 0, end: 0 } },
    { header: 'bytes=1000-', expected: 'unsatisfiable' },
    { header: 'bytes=1000-2000', expected: 'unsatisfiable' },
    { header: 'bytes=-0', expected: 'unsatisfiable' },
    { header: 'bytes=5-2', expected: 'ignore' },
    { header: 'bytes=-', expected: 'ignore' },
    { header: 'bytes=0-1,5-6', expected: 'ignore' },
    { header: 'items=0-1', expected: 'ignore' },
    { header: 'bytes=a-b', expected: 'ignore' },
    { header: 'bytes=0-99999999999999999999', expected: 'ignore' },
  ])('$header → $expected', ({ header, expected }) => {
    expect(parseRange(header, info.size)).toEqual(expected);
  });
});

describe('delivery plans', () => {
  it.each<{ name: string; conditions: Conditions; status: number }>([
    { name: 'no conditions', conditions: {}, status: 200 },
    { name: 'a matching If-None-Match', conditions: { ifNoneMatch: '"v1"' }, status: 304 },
    { name: 'a weak matching If-None-Match', conditions: { ifNoneMatch: 'W/"v1"' }, status: 304 },
    { name: 'If-None-Match listing it', conditions: { ifNoneMatch: '"v0", "v1"' }, status: 304 },
    { name: 'If-None-Match: *', conditions: { ifNoneMatch: '*' }, status: 304 },
    { name: 'another ETag', conditions: { ifNoneMatch: '"v0"' }, status: 200 },
    { name: 'If-Modified-Since at the modification', conditions: { ifModifiedSince: 'Fri, 02 Jan 2026 03:04:05 GMT' }, status: 304 },
    { name: 'If-Modified-Since before it', conditions: { ifModifiedSince: 'Fri, 02 Jan 2026 03:04:04 GMT' }, status: 200 },
    { name: 'If-Modified-Since garbage', conditions: { ifModifiedSince: 'yesterday' }, status: 200 },
    {
      name: 'If-None-Match mismatch over If-Modified-Since',
      conditions: { ifNoneMatch: '"v0"', ifModifiedSince: 'Fri, 02 Jan 2026 03:04:05 GMT' },
      status: 200,
    },
    { name: 'a range', conditions: { range: 'bytes=0-9' }, status: 206 },
    { name: 'a range with a current If-Range', conditions: { range: 'bytes=0-9', ifRange: '"v1"' }, status: 206 },
    { name: 'a range with an outdated If-Range', conditions: { range: 'bytes=0-9', ifRange: '"v0"' }, status: 200 },
    { name: 'a range with a weak If-Range', conditions: { range: 'bytes=0-9', ifRange: 'W/"v1"' }, status: 200 },
    { name: 'a range and a matching If-None-Match', conditions: { range: 'bytes=0-9', ifNoneMatch: '"v1"' }, status: 304 },
  ])('answer $status for $name', ({ conditions, status }) => {
    expect(planDelivery(info, conditions).status).toBe(status);
  });

  it('refuse an unsatisfiable range with 416 and the size', () => {
    expect(() => planDelivery(info, { range: 'bytes=5000-' })).toThrow(
      expect.objectContaining({ code: 'range_not_satisfiable', status: 416, options: { headers: { 'content-range': 'bytes */1000' } } }),
    );
  });
});
