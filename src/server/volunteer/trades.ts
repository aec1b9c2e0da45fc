/**
 * Shift offers and swaps (DESIGN §9: "the holder stays responsible until someone
 * accepts"; Sling's offers and swaps, RESEARCH §3.5). The state machine, pure.
 *
 * - An OFFER: the holder offers a stretch of their on-call (a whole shift or a part)
 *   to anyone or to one person. Nothing changes in the schedule while it is pending:
 *   the holder stays on call and is paged. The first eligible person to accept takes
 *   it (an override for them is written); the named recipient may decline.
 * - A SWAP: the holder of shift A proposes to exchange it for shift B held by another
 *   person. Proposing is the holder's acceptance; when the other accepts, both
 *   overrides are written at once (they take A, the proposer takes B).
 * - Either is withdrawn by the proposer while pending, and expires when its shift
 *   begins (a swap: when either shift begins) with nobody having accepted: the
 *   holder simply keeps it.
 *
 *   pending ──accept──► accepted
 *      │ ├───decline──► declined
 *      │ └──withdraw──► withdrawn
 *      └────(begins)──► expired
 */
export type TradeKind = 'offer' | 'swap';
export type TradeStatus = 'pending' | 'accepted' | 'declined' | 'withdrawn' | 'expired';
export type TradeAction = 'accept' | 'decline' | 'withdraw';

export interface TradeState {
  kind: TradeKind;
  status: TradeStatus;
  holderId: string;
  /** offer: the one person it is offered to, or null for anyone; swap: the holder of the other shift. */
  toUserId: string | null;
  /** When the (first) shift of the trade begins: it expires then. */
  startsAt: number;
}

export type TradeError = 'not_pending' | 'expired' | 'not_yours' | 'not_for_you' | 'own_trade' | 'decline_open_offer';

export interface TradeRefusal {
  error: TradeError;
  /** 403 for who may act, 409 for the state of the trade. */
  status: 403 | 409;
  message: string;
}

/** The status a trade has at `now` (a pending one past its start has expired). */
export function statusAt(t: Pick<TradeState, 'status' | 'startsAt'>, now: number): TradeStatus {
  return t.status === 'pending' && now >= t.startsAt ? 'expired' : t.status;
}

/**
 * The next status when `actor` does `action` at `now`, or why not. Eligibility of the
 * one who accepts (availability, caps) is checked separately (open-shifts.takeRefusal).
 */
export function transition(t: TradeState, action: TradeAction, actor: string, now: number): { status: TradeStatus } | TradeRefusal {
  const current = statusAt(t, now);
  if (current === 'expired') return { error: 'expired', status: 409, message: 'the shift has already begun; the trade expired and the holder kept it' };
  if (current !== 'pending') return { error: 'not_pending', status: 409, message: `the trade is already ${current}` };
  if (action === 'withdraw') {
    if (actor !== t.holderId) return { error: 'not_yours', status: 403, message: 'only the person who proposed it can withdraw it' };
    return { status: 'withdrawn' };
  }
  if (actor === t.holderId) return { error: 'own_trade', status: 409, message: `you cannot ${action} your own ${t.kind}` };
  if (t.toUserId !== null && actor !== t.toUserId) return { error: 'not_for_you', status: 403, message: `this ${t.kind} is for someone else` };
  if (action === 'decline') {
    if (t.toUserId === null) return { error: 'decline_open_offer', status: 409, message: 'an offer to anyone cannot be declined; just leave it' };
    return { status: 'declined' };
  }
  return { status: 'accepted' };
}

export const isRefusal = (r: { status: TradeStatus } | TradeRefusal): r is TradeRefusal => 'error' in r;
