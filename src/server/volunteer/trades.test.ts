import { describe, expect, it } from 'vitest';
import { isRefusal, statusAt, transition, type TradeAction, type TradeState } from './trades.js';

const offerToAnyone: TradeState = { kind: 'offer', status: 'pending', holderId: 'vera', toUserId: null, startsAt: 100 };
const offerToWim: TradeState = { ...offerToAnyone, toUserId: 'wim' };
const swap: TradeState = { kind: 'swap', status: 'pending', holderId: 'vera', toUserId: 'wim', startsAt: 100 };

describe('trade state machine', () => {
  it.each([
    // trade, action, actor, now → next status or error
    ['offer to anyone', offerToAnyone, 'accept', 'wim', 0, 'accepted'],
    ['offer to anyone', offerToAnyone, 'accept', 'zed', 0, 'accepted'],
    ['offer to anyone', offerToAnyone, 'decline', 'wim', 0, 'decline_open_offer'],
    ['offer to anyone', offerToAnyone, 'accept', 'vera', 0, 'own_trade'],
    ['offer to anyone', offerToAnyone, 'withdraw', 'vera', 0, 'withdrawn'],
    ['offer to anyone', offerToAnyone, 'withdraw', 'wim', 0, 'not_yours'],
    ['offer to Wim', offerToWim, 'accept', 'wim', 0, 'accepted'],
    ['offer to Wim', offerToWim, 'accept', 'zed', 0, 'not_for_you'],
    ['offer to Wim', offerToWim, 'decline', 'wim', 0, 'declined'],
    ['offer to Wim', offerToWim, 'decline', 'zed', 0, 'not_for_you'],
    ['swap', swap, 'accept', 'wim', 99, 'accepted'],
    ['swap', swap, 'accept', 'vera', 0, 'own_trade'],
    ['swap', swap, 'decline', 'wim', 0, 'declined'],
    ['swap', swap, 'withdraw', 'vera', 0, 'withdrawn'],
    ['swap at its start', swap, 'accept', 'wim', 100, 'expired'],
    ['offer after its start', offerToWim, 'withdraw', 'vera', 150, 'expired'],
    ['accepted offer', { ...offerToWim, status: 'accepted' }, 'accept', 'wim', 0, 'not_pending'],
    ['declined offer', { ...offerToWim, status: 'declined' }, 'withdraw', 'vera', 0, 'not_pending'],
    ['withdrawn swap', { ...swap, status: 'withdrawn' }, 'accept', 'wim', 0, 'not_pending'],
  ] as [string, TradeState, TradeAction, string, number, string][])('%s: %s by %s at %i → %s', (_, trade, action, actor, now, expected) => {
    const r = transition(trade, action, actor, now);
    expect(isRefusal(r) ? r.error : r.status).toBe(expected);
  });

  it('who may act is a 403, the state of the trade a 409', () => {
    const r1 = transition(offerToWim, 'accept', 'zed', 0);
    const r2 = transition({ ...offerToWim, status: 'accepted' }, 'accept', 'wim', 0);
    expect(isRefusal(r1) && r1.status).toBe(403);
    expect(isRefusal(r2) && r2.status).toBe(409);
  });

  it('a pending trade reads as expired from its start; decided ones keep their status', () => {
    expect(statusAt(offerToWim, 99)).toBe('pending');
    expect(statusAt(offerToWim, 100)).toBe('expired');
    expect(statusAt({ ...offerToWim, status: 'accepted' }, 500)).toBe('accepted');
  });
});
