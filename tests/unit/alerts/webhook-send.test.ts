// A failed send's text goes to the delivery log and, for a test send, the audit log: it never holds
// the webhook's URL (a Slack webhook's path is its secret; the URL is shown there cut short).
import { describe, expect, it } from 'vitest';

import { sendWebhook, withoutUrls } from '@/lib/alerts/webhook-send';

describe('a failed webhook send', () => {
  it('does not quote a URL with credentials that fetch refuses', async () => {
    const result = await sendWebhook('https://user:pa55@hooks.example.com/services/T0/B0/SECRET', {}, 1_000);
    expect(result.statusCode).toBeNull();
    expect(result.error).toBeTruthy();
    expect(result.error).not.toMatch(/SECRET|pa55|hooks\.example\.com\/services/);
  });

  it('keeps the cause but not URL-looking text', () => {
    expect(withoutUrls('fetch failed: connect ECONNREFUSED 127.0.0.1:9')).toBe(
      'fetch failed: connect ECONNREFUSED 127.0.0.1:9',
    );
    expect(withoutUrls('getaddrinfo ENOTFOUND hooks.slack.com')).toBe('getaddrinfo ENOTFOUND hooks.slack.com');
    expect(withoutUrls('bad https://u:p@h.example/x/SECRET and hooks.slack.com/services/T/B/SECRET')).not.toContain(
      'SECRET',
    );
  });
});
