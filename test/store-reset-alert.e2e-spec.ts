/**
 * The "Redis lost its data" Slack alert: an emptied Redis, found by the durability check, is
 * posted once to the webhook (a local receiver speaking the incoming-webhook protocol).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

describe('alert: Redis lost its data', () => {
  let stack: GatewayStack;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    stack = await startGatewayStack({ ownRedis: true, env: { SLACK_WEBHOOK_URL: receiver.url } });
  });
  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
  });

  it('posts one alert when the durability check finds the store marker gone', async () => {
    expect((await fetch(`${stack.gw.url}/health`)).status).toBe(200);
    expect(receiver.received.filter((alert) => /lost its data/.test(alert.body.text))).toEqual([]);

    await stack.redis.client().flushall();
    // Readiness reads the marker on every check: the first finds it gone, the second finds nothing new.
    expect((await fetch(`${stack.gw.url}/health`)).status).toBe(503);
    expect((await fetch(`${stack.gw.url}/health`)).status).toBe(503);

    const [alert] = await receiver.waitFor(/Redis lost its data/, 1);
    expect(alert.body.text).toContain('the store marker is gone');
    // The detection alerts once, however often it is checked again.
    expect((await fetch(`${stack.gw.url}/health`)).status).toBe(503);
    expect(receiver.received.filter((a) => /Redis lost its data/.test(a.body.text))).toHaveLength(1);
  });
});
