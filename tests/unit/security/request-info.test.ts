// What the audit log records about where a request came from.
import { describe, expect, it } from 'vitest';

import { requestInfo } from '@/lib/security/request-info';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestInfo', () => {
  it.each(['abc123', 'req-2026.12.02:0001_x', 'A'.repeat(100), '7f9c2ba4-e88f-4d2a-9f64-1c5b7e0b2a11'])(
    'keeps the plausible x-request-id %j',
    (id) => {
      expect(requestInfo(new Headers({ 'x-request-id': id })).requestId).toBe(id);
    },
  );

  it.each(['A'.repeat(101), 'has space', '<script>', 'a,b', 'id"quote', 'ünïcode', 'new\tline', ''])(
    'replaces the implausible x-request-id %j with a fresh UUID',
    (id) => {
      expect(requestInfo(new Headers({ 'x-request-id': id })).requestId).toMatch(UUID);
    },
  );

  it('makes a different id for each request that has none', () => {
    const first = requestInfo(new Headers()).requestId;
    const second = requestInfo(new Headers()).requestId;
    expect(first).toMatch(UUID);
    expect(second).toMatch(UUID);
    expect(first).not.toBe(second);
  });

  it('takes the client address from the first x-forwarded-for entry', () => {
    expect(requestInfo(new Headers({ 'x-forwarded-for': ' 203.0.113.7 , 10.0.0.1, 10.0.0.2' })).clientAddress).toBe(
      '203.0.113.7',
    );
    expect(requestInfo(new Headers({ 'x-forwarded-for': '2001:db8::1' })).clientAddress).toBe('2001:db8::1');
  });

  it("records no address when the server settled none, and never reads X-Real-IP (only the console's server sets the address)", () => {
    expect(requestInfo(new Headers({ 'x-real-ip': '198.51.100.4' })).clientAddress).toBeNull();
    expect(requestInfo(new Headers()).clientAddress).toBeNull();
  });

  it('cuts an oversized address to the 100 characters the audit column holds', () => {
    expect(requestInfo(new Headers({ 'x-forwarded-for': 'x'.repeat(5_000) })).clientAddress).toBe('x'.repeat(100));
  });
});
