/**
 * Reading Matrix replies (notify/channels/matrix/sync.ts) against the local homeserver: the
 * /sync long poll from a since token, the filter, failures as short reasons; and the parser
 * of "ack <number>" replies.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messagesOfSync, parseAckCommand, readSync } from '../../src/server/notify/channels/matrix/sync.js';
import { localPolicy } from '../outbound-allow.js';
import { startFakeMatrix, type FakeMatrix } from './fake-matrix.js';

const http = { policy: localPolicy, timeoutMs: 2_000 };

describe('parseAckCommand', () => {
  it.each([
    ['ack 42', 42],
    ['ACK #42', 42],
    ['acknowledge 42.', 42],
    ['  ack   7 ', 7],
    ['ack', null],
    ['Ack!', null],
    ['> <@vigil:example.org> #42 TRIGGERED: disk full\n\nack', null],
    ['> <@vigil:example.org> #42 TRIGGERED\n> more\n\nack 42', 42],
  ])('%j → %j', (body, number) => {
    expect(parseAckCommand(body)).toEqual({ number });
  });

  it.each(['ack 0', 'ack 42 please', 'please ack 42', '42a', 'ack forty-two', 'resolve 42', '', 'ack 1234567890'])('%j is not an acknowledgement', (body) => {
    expect(parseAckCommand(body)).toBeNull();
  });
});

describe('readSync against a local homeserver', () => {
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

  it('the first sync answers history and a position; from it, a long poll returns as soon as someone writes', async () => {
    hs.say(room, '@ada:vigil.test', 'old news');
    const first = await readSync(hs.url, token, null, 0, http);
    expect(first).toMatchObject({ ok: true, nextBatch: 's1' });
    const started = Date.now();
    const waiting = readSync(hs.url, token, first.ok ? first.nextBatch : null, 5_000, http);
    await new Promise((r) => setTimeout(r, 150));
    const said = hs.say(room, '@ada:vigil.test', 'ack 1');
    const next = await waiting;
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(next).toEqual({ ok: true, nextBatch: 's2', messages: [{ roomId: room, eventId: said.event_id, sender: '@ada:vigil.test', body: 'ack 1', inReplyTo: null }] });
    // Nothing new: the poll ends at its timeout with no messages and the same position.
    expect(await readSync(hs.url, token, 's2', 200, http)).toEqual({ ok: true, nextBatch: 's2', messages: [] });
    expect(hs.syncs.map((s) => s.timeout)).toEqual([0, 5_000, 200]);
  });

  it('failures are short reasons, never thrown', async () => {
    expect(await readSync(hs.url, 'syt_not_a_token', null, 0, http)).toEqual({ ok: false, reason: 'matrix_M_UNKNOWN_TOKEN' });
    expect(await readSync(hs.url, token, 's999', 0, http)).toEqual({ ok: false, reason: 'matrix_M_INVALID_PARAM' });
    expect(await readSync('http://127.0.0.1:1', token, null, 0, { ...http, timeoutMs: 500 })).toMatchObject({ ok: false });
    // The outbound policy applies: a private address is refused without a connection.
    expect(await readSync('http://10.0.0.1', token, null, 0, {})).toEqual({ ok: false, reason: 'outbound_blocked' });
  });

  it('messagesOfSync keeps text messages with their reply target and skips notices and other events', () => {
    const body = {
      rooms: {
        join: {
          '!r:x': {
            timeline: {
              events: [
                { type: 'm.room.message', event_id: '$1', sender: '@a:x', content: { msgtype: 'm.text', body: 'ack', 'm.relates_to': { 'm.in_reply_to': { event_id: '$page' } } } },
                { type: 'm.room.message', event_id: '$2', sender: '@vigil:x', content: { msgtype: 'm.notice', body: 'Incident #1 acknowledged' } },
                { type: 'm.reaction', event_id: '$3', sender: '@a:x', content: {} },
                { type: 'm.room.message', event_id: '$4', sender: '@a:x', content: { msgtype: 'm.text' } },
              ],
            },
          },
        },
      },
    };
    expect(messagesOfSync(body)).toEqual([{ roomId: '!r:x', eventId: '$1', sender: '@a:x', body: 'ack', inReplyTo: '$page' }]);
    expect(messagesOfSync(null)).toEqual([]);
  });
});
