// A failed send's text goes to the delivery log and, for a test send, the audit log: it never holds
// the webhook's URL (a Slack webhook's path is its secret; the URL is shown there cut short).
import { describe, expect, it } from 'vitest';

import { DEFAULT_WEBHOOK_ADDRESS_POLICY } from '@/lib/alerts/webhook-address-policy';
import { sendWebhook, withoutUrls } from '@/lib/alerts/webhook-send';

describe('a failed webhook send', () => {
  it('does not quote a URL with credentials', async () => {
    const result = await sendWebhook(
      'https://user:pa55@hooks.example.com/services/T0/B0/SECRET',
      {},
      1_000,
      DEFAULT_WEBHOOK_ADDRESS_POLICY,
      async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND hooks.example.com'), { code: 'ENOTFOUND' });
      },
    );
    expect(result.statusCode).toBeNull();
    expect(result.error).toBeTruthy();
    expect(result.error).not.toMatch(/SECRET|pa55|hooks\.example\.com\/services/);
  });

  it('keeps the cause but not URL-looking text', () => {
    expect(withoutUrls('connect ECONNREFUSED 127.0.0.1:9')).toBe('connect ECONNREFUSED 127.0.0.1:9');
    expect(withoutUrls('getaddrinfo ENOTFOUND hooks.slack.com')).toBe('getaddrinfo ENOTFOUND hooks.slack.com');
    expect(withoutUrls('bad https://u:p@h.example/x/SECRET and hooks.slack.com/services/T/B/SECRET')).not.toContain(
      'SECRET',
    );
  });
});

describe('a send to a refused address', () => {
  it('is not made, and is not tried again', async () => {
    const result = await sendWebhook('https://169.254.169.254/latest', {}, 1_000, DEFAULT_WEBHOOK_ADDRESS_POLICY);
    expect(result).toMatchObject({ statusCode: null, final: true });
    expect(result.error).toMatch(/^refused: url's host 169\.254\.169\.254 is the cloud metadata service/);
  });
});
