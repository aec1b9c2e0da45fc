/**
 * Escalation targets → people, at the moment a level fires. Each target type (a user,
 * a schedule, a volunteer pool, …) is a small resolver that its own domain provides and
 * the server registers at composition (main.ts): adding a target type touches its
 * folder and one registry line, and escalation never imports the domains it pages
 * through.
 *
 * A gate may hold back a person a target resolved for a shift (a volunteer on call in a
 * schedule past their care limits): they become a problem that hands the level back.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { Target, TargetType } from './policy.js';
import { say, type Wording } from '../lib/i18n/translate.js';

type Db = Kysely<Database>;

export interface TargetContext {
  orgId: string;
  now: number;
  /** The incident being paged for, when there is one. */
  incidentId: string | null;
}

export interface ResolvedPerson {
  userId: string;
  /** How they were reached, in words ("direct", "schedule Night desk", "volunteer pool Weekend"), worded when read. */
  via: Wording;
  /** The shift that puts them on call, when a schedule did (gates weigh it). */
  shift?: { start: number; end: number };
}

export interface TargetOutcome {
  users: ResolvedPerson[];
  /** Why the target reached nobody, or not everybody (worded when read: timelines, the paging path). */
  problems: (Wording | string)[];
  /**
   * When nobody is reached through this target, the level is handed back (skipped, the next
   * level fires at once) rather than paging the owners and admins: volunteer pools, and a
   * volunteer on call held back by a gate.
   */
  handsBack: boolean;
}

/** What a level that fired did, for resolvers that remember their pages (volunteer pools). */
export interface FiredLevel {
  incident: { org_id: string; id: string; escalation_epoch: number };
  targets: readonly Target[];
  reached: readonly string[];
  stepKey: string;
  now: number;
  /** Where the incident's escalation stands right after this step. */
  next: { level: number; loop: number };
}

export interface TargetResolver {
  type: TargetType;
  /** Other names PagerDuty clients send for the type ("user" for "user_reference"). */
  aliases: readonly string[];
  /** How the type is named in messages ("user", "schedule", "volunteer pool"). */
  noun: string;
  resolve(db: Db, ctx: TargetContext, id: string): Promise<TargetOutcome>;
  /** The ids among `ids` that exist (and are live) in the organization: policies may only name these. */
  existing(db: Db, orgId: string, ids: readonly string[]): Promise<Set<string>>;
  afterLevel?(db: Db, fired: FiredLevel): Promise<void>;
}

/** Holds back a person on a shift: their name and why, in words that fit after the name, or null. */
export type PersonGate = (db: Db, ctx: TargetContext, person: ResolvedPerson & { shift: { start: number; end: number } }) => Promise<{ name: string; reason: Wording } | null>;

export interface LevelResolution {
  /** Everyone the level pages, each once, in target order. */
  users: ResolvedPerson[];
  outcomes: (TargetOutcome & { target: Target })[];
}

export class TargetRegistry {
  readonly #byType = new Map<TargetType, TargetResolver>();
  readonly #byName = new Map<string, TargetType>();

  constructor(
    resolvers: readonly TargetResolver[],
    private readonly gates: readonly PersonGate[] = [],
  ) {
    for (const r of resolvers) {
      this.#byType.set(r.type, r);
      for (const name of [r.type, ...r.aliases]) this.#byName.set(name, r.type);
    }
  }

  /** The canonical type for a name a client sent, or undefined. */
  typeOf(name: string): TargetType | undefined {
    return this.#byName.get(name);
  }

  types(): TargetType[] {
    return [...this.#byType.keys()];
  }

  noun(type: TargetType): string {
    return this.#byType.get(type)?.noun ?? type;
  }

  async existing(db: Db, orgId: string, type: TargetType, ids: readonly string[]): Promise<Set<string>> {
    const r = this.#byType.get(type);
    return r && ids.length ? r.existing(db, orgId, ids) : new Set();
  }

  /** The people a level's targets page now; one person reached through two targets is paged once. */
  async resolve(db: Db, ctx: TargetContext, targets: readonly Target[]): Promise<LevelResolution> {
    const outcomes: LevelResolution['outcomes'] = [];
    for (const target of targets) {
      const r = this.#byType.get(target.type);
      if (!r) {
        outcomes.push({ target, users: [], problems: [say('timeline.target.unsupported', { type: target.type })], handsBack: false });
        continue;
      }
      const o = await r.resolve(db, ctx, target.id);
      outcomes.push({ target, ...(await this.gate(db, ctx, o)) });
    }
    const seen = new Set<string>();
    const users = outcomes.flatMap((o) => o.users).filter((u) => (seen.has(u.userId) ? false : (seen.add(u.userId), true)));
    return { users, outcomes };
  }

  async afterLevel(db: Db, fired: FiredLevel): Promise<void> {
    for (const type of new Set(fired.targets.map((t) => t.type))) await this.#byType.get(type)?.afterLevel?.(db, fired);
  }

  private async gate(db: Db, ctx: TargetContext, o: TargetOutcome): Promise<TargetOutcome> {
    if (!this.gates.length || !o.users.some((u) => u.shift)) return o;
    const out: TargetOutcome = { users: [], problems: [...o.problems], handsBack: o.handsBack };
    for (const u of o.users) {
      let refusal: { name: string; reason: Wording } | null = null;
      if (u.shift) for (const g of this.gates) if ((refusal = await g(db, ctx, { ...u, shift: u.shift }))) break;
      if (!refusal) out.users.push(u);
      else {
        out.problems.push(say('timeline.target.volunteerRefused', { name: refusal.name, via: u.via, reason: refusal.reason }));
        out.handsBack = true;
      }
    }
    return out;
  }
}
