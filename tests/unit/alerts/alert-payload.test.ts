// The bodies a webhook receives: Slack-compatible {text, blocks} that Slack (and its compatible
// receivers) show as a message, with text from the datastore kept as text; plain JSON with fixed
// field names a script can read.
import { describe, expect, it } from 'vitest';

import type { Alert } from '@/lib/alerts/alert';
import { alertBody, alertJson, slackMessage } from '@/lib/alerts/alert-payload';

const alert: Alert = {
  kind: 'contact-support',
  subject: 'gpu-node-0007',
  occurrenceKey: 'contact-support:rec-1',
  title: 'CONTACT_SUPPORT on gpu-node-0007',
  summary: 'GpuNvlinkWatch on GPU:3: link <down> & flapping',
  details: { node: 'gpu-node-0007', xid: '79', fatal: true, entities: null },
  raisedAt: new Date('2026-12-07T09:00:00Z'),
};

describe('the Slack-compatible body', () => {
  it('has the text Slack notifies with and blocks for its layout', () => {
    const message = slackMessage(alert);
    expect(message.text).toBe(
      'CONTACT_SUPPORT on gpu-node-0007: GpuNvlinkWatch on GPU:3: link &lt;down&gt; &amp; flapping',
    );
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'CONTACT_SUPPORT on gpu-node-0007' },
    });
    expect(message.blocks[1]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: 'GpuNvlinkWatch on GPU:3: link &lt;down&gt; &amp; flapping' },
    });
    // Facts that are set, one a line; null ones left out.
    expect(message.blocks[2]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '*node*: gpu-node-0007\n*xid*: 79\n*fatal*: true' },
    });
    expect(message.blocks[3]).toMatchObject({ type: 'context' });
    expect(JSON.stringify(message.blocks[3])).toContain('2026-12-07T09:00:00.000Z');
  });

  it('marks a test send, and cuts a header to the 150 characters Slack takes', () => {
    const long = slackMessage({ ...alert, title: 'x'.repeat(400) }, true);
    expect(long.text.startsWith('[test] ')).toBe(true);
    const header = long.blocks[0] as { text: { text: string } };
    expect(header.text.text).toHaveLength(150);
    expect(header.text.text.endsWith('…')).toBe(true);
  });
});

describe('the plain JSON body', () => {
  it('carries the alert field by field', () => {
    expect(alertJson(alert)).toEqual({
      source: 'sentinel-console',
      kind: 'contact-support',
      subject: 'gpu-node-0007',
      occurrenceKey: 'contact-support:rec-1',
      title: 'CONTACT_SUPPORT on gpu-node-0007',
      summary: 'GpuNvlinkWatch on GPU:3: link <down> & flapping',
      raisedAt: '2026-12-07T09:00:00.000Z',
      details: { node: 'gpu-node-0007', xid: '79', fatal: true, entities: null },
      test: false,
    });
  });

  it('is chosen by the destination format', () => {
    expect(alertBody(alert, 'json')).toHaveProperty('kind', 'contact-support');
    expect(alertBody(alert, 'slack')).toHaveProperty('blocks');
    expect(alertBody(alert, 'json', true)).toHaveProperty('test', true);
  });
});
