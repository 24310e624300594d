import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AccessRecord, SpanRecord } from '../../pipeline/records.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { labelsConfig } from './config.ts';
import { LabelsProcessor } from './processor.ts';
import { MASK } from './redact.ts';

const KEY = 'k3y-for-tests';
const config = labelsConfig.parse({
  headers: [
    { header: 'X-Tenant', name: 'tenant', maxLength: 5 },
    { header: 'x-user', name: 'user', redact: 'hmac' },
    { header: 'x-email', redact: 'mask' },
    { header: 'x-card', redact: 'drop' },
    { header: 'x-plan', fields: ['plan_tier'] },
  ],
  dropUnlistedHeaders: true,
  hmacKey: { env: 'TEST_HMAC' },
});
const proc = new LabelsProcessor(config, testContext('labels'), { TEST_HMAC: KEY });
const hmac = (v: string) => createHmac('sha256', KEY).update(v).digest('hex').slice(0, 32);

describe('labels processor', () => {
  it('renames, caps, redacts, and removes every raw copy from an access record', () => {
    const rec = {
      'event.dataset': 'envoy.access',
      'envoy.extra.req.x-tenant': 'acme-corp',
      'envoy.extra.req.x-user': 'alice@example.com',
      'envoy.extra.req.x-email': 'alice@example.com',
      'envoy.extra.req.x-card': '4111111111111111',
      'envoy.extra.plan_tier': 'gold',
      'envoy.extra.req.x-unlisted': 'secret',
      'envoy.extra.grpc_status': '0',
    } as unknown as AccessRecord;
    proc.label(rec);
    expect(rec).toEqual({
      'event.dataset': 'envoy.access',
      'envoy.extra.grpc_status': '0',
      'labels.tenant': 'acme-',
      'labels.user': hmac('alice@example.com'),
      'labels.x-email': MASK,
      'labels.x-plan': 'gold',
    });
  });

  it('reads span attributes http.request.header.* (dash or underscore) and gives the same pseudonym', () => {
    const span = {
      'event.dataset': 'mesh.span',
      attributes: {
        'http.request.header.x_user': 'alice@example.com',
        'http.request.header.x-card': '4111',
        'http.request.header.cookie': 'c',
      },
    } as unknown as SpanRecord;
    proc.label(span);
    expect(span.attributes).toEqual({ 'labels.user': hmac('alice@example.com') });
    expect((span as unknown as Record<string, string>)['labels.user']).toBe(hmac('alice@example.com'));
  });

  it('refuses hmac without a key source, naming the header', () => {
    const r = labelsConfig.safeParse({ headers: [{ header: 'x-user', redact: 'hmac' }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({
      path: ['headers', 0, 'redact'],
      message: 'redact: hmac needs hmacKey (env or file)',
    });
  });

  it('refuses to start when the key variable is unset', () => {
    expect(() => new LabelsProcessor(config, testContext('labels'), {})).toThrow(
      'labels.hmacKey: environment variable TEST_HMAC is not set or empty',
    );
  });
});
