/**
 * The test suite's provider servers (webhook receivers, Slack, Twilio) listen on
 * loopback, which the outbound policy refuses by default. Tests open exactly that, the
 * way a deployment with internal targets sets VIGIL_OUTBOUND_ALLOW; the policy's own
 * tests (test/channels/outbound-policy.test.ts) run without it.
 */
import { OutboundPolicy } from '../src/server/lib/outbound-policy.js';

export const LOCAL_OUTBOUND_ALLOW = '127.0.0.1,::1';

export const localPolicy = OutboundPolicy.fromList(LOCAL_OUTBOUND_ALLOW);

/**
 * The key the test process seals secrets with (lib/secret-box.ts), also handed to the
 * `vigil` processes tests start, so both sides open each other's rows.
 */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');
