/**
 * When storage refuses writes (a full or read-only disk, a read-only PostgreSQL), nothing
 * can go through the outbox: it is a table. This tells the organizations' owners and
 * admins directly, by email through the email channel's adapter (SMTP needs no local
 * write), at most once per `everyMs` on this node. The interval is kept in memory: a
 * restarted node may send once more, which is the right side to err on.
 *
 * Recipients are read fresh when the database still answers reads (a full disk does);
 * otherwise the list the self-checks last read is used (`remember`).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import type { Clock } from '../../lib/clock.js';
import type { StorageProblem } from '../../storage/health.js';
import { RETRY_AFTER_SECONDS } from '../../storage/health.js';
import type { ChannelRegistry } from '../../notify/channels/registry.js';
import type { Message } from '../../notify/channel.js';
import { lastResortMethods } from '../../notify/notify.service.js';
import { listAdmins, listOrganizations } from '../../org/org.store.js';

export interface NoticeRecipients {
  orgName: string;
  to: string[];
}

const WHAT: Record<string, string> = {
  disk_full: 'the disk holding its database is full',
  read_only: 'its database is read-only',
  io_error: 'its disk reports I/O errors',
  connection_lost: 'it lost its connection to the database',
  pool_exhausted: 'every database connection is busy',
  cannot_open: 'it cannot open its database',
};

/** The owners' and admins' addresses: their verified email methods and their account emails. */
export async function noticeRecipients(db: Kysely<Database>): Promise<Map<string, NoticeRecipients>> {
  const out = new Map<string, NoticeRecipients>();
  for (const org of await listOrganizations(db)) {
    const admins = await listAdmins(db, org.id);
    const methods = await lastResortMethods(db, org.id, admins.map((a) => a.id));
    const to = new Set<string>();
    for (const a of admins) {
      for (const m of methods.get(a.id) ?? []) if (m.type === 'email') to.add(m.address.toLowerCase());
      to.add(a.email.toLowerCase());
    }
    out.set(org.id, { orgName: org.name, to: [...to].sort() });
  }
  return out;
}

export class StorageNotice {
  private lastSentAt: number | null = null;
  private known = new Map<string, NoticeRecipients>();
  /** The last notice's sends (tests, shutdown): how many addresses took it. */
  lastSend: Promise<number> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly channels: ChannelRegistry,
    private readonly clock: Clock,
    private readonly everyMs: number,
    private readonly node: string,
    private readonly log: { warn(o: object, msg: string): void; error(o: object, msg: string): void },
  ) {}

  /** The recipients as the self-checks last read them (used when the database cannot be read). */
  remember(recipients: Map<string, NoticeRecipients>): void {
    this.known = recipients;
  }

  /**
   * Storage refuses writes: send the notice unless one went out from this node within
   * `everyMs`. Never throws; returns whether a notice was started.
   */
  raise(problem: StorageProblem): boolean {
    const now = this.clock.now();
    if (this.lastSentAt !== null && now - this.lastSentAt < this.everyMs) return false;
    const email = this.channels.get('email');
    if (!email) {
      if (this.lastSentAt === null) this.log.error({ reason: problem.reason }, 'storage refuses writes and no SMTP server is configured: nobody can be told directly');
      this.lastSentAt = now;
      return false;
    }
    this.lastSentAt = now;
    const send = async (): Promise<number> => {
      let recipients = this.known;
      try {
        recipients = await noticeRecipients(this.db);
        this.known = recipients;
      } catch (err) {
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'storage notice: the database cannot be read; using the last known owners and admins');
      }
      let delivered = 0;
      for (const [orgId, r] of recipients) {
        const msg = noticeMessage(orgId, r.orgName, problem, this.node, now);
        for (const to of r.to) {
          const result = await email.send({ address: to }, msg, AbortSignal.timeout(30_000));
          if (result.kind === 'sent') delivered++;
          else this.log.warn({ to, reason: result.reason }, 'storage notice not delivered');
        }
      }
      this.log.warn({ reason: problem.reason, delivered }, 'storage refuses writes: owners and admins told by email');
      return delivered;
    };
    this.lastSend = send().catch((err: unknown) => {
      this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'storage notice failed');
      return 0;
    });
    return true;
  }
}

function noticeMessage(orgId: string, orgName: string, p: StorageProblem, node: string, now: number): Message {
  const what = WHAT[p.reason] ?? `storage refuses writes (${p.reason})`;
  const text = [
    `Vigil on ${node} cannot store anything: ${what} (${p.reason}), since ${new Date(p.since).toISOString()}; ${p.refused} write${p.refused === 1 ? '' : 's'} refused so far.`,
    '',
    `While this lasts, monitoring tools sending events get 503 with Retry-After ${RETRY_AFTER_SECONDS[p.reason]} s (nothing they send is lost if they retry), /readyz answers 503, and no new page can be queued: incidents already stored are paged once writes commit again.`,
    '',
    p.reason === 'disk_full' ? 'Free space on the data directory’s disk (old backups, logs). Vigil recovers by itself, without a restart, at the first write that commits.' : 'Make the database writable again. Vigil recovers by itself, without a restart, at the first write that commits.',
    '',
    `This notice is sent directly by email (the outbox cannot be written), at most once per period from each node.`,
  ].join('\n');
  return {
    idempotencyKey: `storage:${orgId}:${node}:${p.since}:${now}`,
    kind: 'status',
    eventType: 'pagey.ping',
    occurredAt: new Date(now).toISOString(),
    orgName,
    agent: null,
    incidents: [],
    notice: { subject: `Storage is ${p.reason === 'disk_full' ? 'full' : p.reason === 'read_only' ? 'read-only' : 'failing'}: Vigil cannot store events or page anyone new`, text },
  };
}
