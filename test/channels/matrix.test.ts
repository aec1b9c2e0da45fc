import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildMatrixContent, MatrixChannel, matrixTxnId, parseMatrixAddress } from '../../src/server/notify/channels/matrix/matrix.js';
import { normalizeMatrixAddress } from '../../src/server/notify/contact-channels.js';
import { closedPort, incident, message } from './helpers.js';
import { startFakeMatrix, type FakeMatrix } from './fake-matrix.js';
import { localPolicy } from '../outbound-allow.js';

let hs: FakeMatrix;
let token: string;
let room: string;
beforeEach(async () => {
  hs = await startFakeMatrix();
  token = hs.addBot('@vigil:vigil.test');
  room = hs.addRoom(['@vigil:vigil.test', '@ada:vigil.test']);
});
afterEach(async () => {
  await hs.close();
});

const channel = new MatrixChannel({ policy: localPolicy, timeoutMs: 1_000 });
const dest = (roomId: string, secret: string) => ({ address: `${hs.url}/#${roomId}`, secrets: [secret] });

describe('MatrixChannel sending m.room.message through the client-server API', () => {
  it('a page: m.text with a plain body and escaped HTML, Acknowledge/Resolve/Open links, the event id kept', async () => {
    const msg = message({ incidents: [incident({ title: 'Queue <script>alert(1)</script> & "down"', impactLine: 'About 40 people affected' })] });
    const r = await channel.send(dest(room, token), msg);
    const [ev] = hs.events;
    expect(r).toEqual({ kind: 'sent', providerId: ev!.event_id });
    expect(ev).toMatchObject({ room_id: room, sender: '@vigil:vigil.test', txnId: matrixTxnId(msg) });
    expect(ev!.content).toMatchObject({ msgtype: 'm.text', format: 'org.matrix.custom.html' });
    expect(ev!.content.body.split('\n')).toEqual([
      '#42 TRIGGERED: Queue <script>alert(1)</script> & "down"',
      'Crisis chat · high urgency · triggered',
      'About 40 people affected',
      'Assigned to Ada',
      'Acknowledge: https://vigil.example.org/a/ack-token-PINC042',
      'Resolve: https://vigil.example.org/a/resolve-token-PINC042',
      'Open #42: https://vigil.example.org/incidents/PINC042',
    ]);
    const html = ev!.content.formatted_body!;
    expect(html).toContain('<b>#42 TRIGGERED: Queue &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;down&quot;</b>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<a href="https://vigil.example.org/a/ack-token-PINC042">Acknowledge</a> · <a href="https://vigil.example.org/a/resolve-token-PINC042">Resolve</a> · <a href="https://vigil.example.org/incidents/PINC042">Open #42</a>');
  });

  it('a retry reuses the transaction id: the homeserver answers the same event and posts nothing new', async () => {
    const msg = message();
    const first = await channel.send(dest(room, token), msg);
    const again = await channel.send(dest(room, token), msg);
    expect(again).toEqual(first);
    expect(hs.requests()).toBe(2);
    expect(hs.events).toHaveLength(1);
    expect(matrixTxnId(message({ idempotencyKey: 'other' }))).not.toBe(matrixTxnId(msg));
  });

  it('acknowledged: no Acknowledge link; a bundle lists each incident; a verification code', () => {
    expect(buildMatrixContent(message({ incidents: [incident({ status: 'acknowledged' })] })).body).not.toContain('Acknowledge');
    const bundle = buildMatrixContent(message({ incidents: [incident({ id: 'A', number: 1 }), incident({ id: 'B', number: 2 })] }));
    expect(bundle.body.split('\n')[0]).toBe('2 incidents TRIGGERED (Crisis chat)');
    expect(bundle.formatted_body.match(/<li>/g)).toHaveLength(2);
    expect(buildMatrixContent(message({ kind: 'verification', eventType: 'pagey.ping', incidents: [], code: '123456' })).body).toContain('123456');
  });

  it('M_LIMIT_EXCEEDED honours Retry-After, else retry_after_ms; unknown token and not joined are permanent; an unknown room is gone', async () => {
    hs.rateLimitNext(4_000);
    expect(await channel.send(dest(room, token), message())).toMatchObject({ kind: 'retryable', reason: 'matrix_M_LIMIT_EXCEEDED', retryAfterMs: 4_000 });
    hs.rateLimitNext(1_500, null);
    expect(await channel.send(dest(room, token), message())).toMatchObject({ kind: 'retryable', reason: 'matrix_M_LIMIT_EXCEEDED', retryAfterMs: 1_500 });
    expect(await channel.send(dest(room, 'syt_wrong_token'), message())).toEqual({ kind: 'permanent', reason: 'matrix_M_UNKNOWN_TOKEN', detail: 'Invalid access token passed.' });
    const other = hs.addRoom(['@someone:vigil.test']);
    expect(await channel.send(dest(other, token), message())).toMatchObject({ kind: 'permanent', reason: 'matrix_M_FORBIDDEN' });
    hs.removeRoom(room);
    expect(await channel.send(dest(room, token), message())).toEqual({ kind: 'permanent', reason: 'matrix_M_NOT_FOUND', destinationGone: true, detail: 'Unknown room' });
    expect(hs.events).toHaveLength(0);
    expect(await channel.send({ address: `http://127.0.0.1:${await closedPort()}/#${room}`, secrets: [token] }, message())).toMatchObject({ kind: 'retryable', reason: 'connection_refused' });
  });

  it('addresses: homeserver URL plus room id, canonical; aliases and bad ids refused naming the field', () => {
    expect(normalizeMatrixAddress('https://matrix.example.org/', '!AbCdEf:example.org')).toBe('https://matrix.example.org/#!AbCdEf:example.org');
    expect(normalizeMatrixAddress('https://example.org/matrix', '!AbCdEf:example.org')).toBe('https://example.org/matrix/#!AbCdEf:example.org');
    // An address read back from the API carries its room.
    expect(normalizeMatrixAddress('https://matrix.example.org/#!AbCdEf:example.org', undefined)).toBe('https://matrix.example.org/#!AbCdEf:example.org');
    expect(parseMatrixAddress('https://example.org/matrix/#!AbCdEf:example.org')).toEqual({ homeserver: 'https://example.org/matrix', roomId: '!AbCdEf:example.org' });
    const cases: [string, string | undefined, RegExp][] = [
      ['https://matrix.example.org', '#alerts:example.org', /^contact_method\.room_id: room id .* must look like !opaque:server\.name/],
      ['https://matrix.example.org', undefined, /^contact_method\.room_id is required/],
      ['https://matrix.example.org/#!A:example.org', '!B:example.org', /^contact_method\.room_id: .* differs/],
      ['matrix.example.org', '!A:example.org', /^contact_method\.address must be the homeserver URL/],
      ['ftp://matrix.example.org', '!A:example.org', /^contact_method\.address: scheme ftp:/],
    ];
    for (const [address, roomId, why] of cases) {
      let errors: string[] = [];
      try {
        normalizeMatrixAddress(address, roomId);
      } catch (e) {
        errors = (e as { errors: string[] }).errors;
      }
      expect(errors.join(' '), `${address} ${roomId}`).toMatch(why);
    }
  });
});
