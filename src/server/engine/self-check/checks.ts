/**
 * What the self-checks decide, from facts already read: which of Vigil's own troubles hold
 * right now, each as a finding with a stable key (the dedup key of its alert on "Vigil
 * health"). Pure: the module gathers the facts and applies the result (module.ts).
 *
 * Keys: `outbox_stuck` and `channel_failing:<channel>` are the organization's (any node
 * sees the same rows); `engine_lag@<node>`, `disk_low@<node>` and `backup_failed@<node>`
 * belong to one node (its own loop, its own disk, its own backup scheduler), so a node
 * only ever opens or resolves its own.
 */
import type { ChannelName } from '../../storage/schema.js';

export interface SelfCheckThresholds {
  /** How often the checks run (ms). */
  everyMs: number;
  /** Engine lag (from a wake to a module's run) over this opens `engine_lag`. */
  lagMs: number;
  /** A message still unsent this long after it was queued opens `outbox_stuck`. */
  outboxAgeMs: number;
  /** The share of a channel's recent messages that failed, over which it counts as failing (0–1). */
  channelFailureRate: number;
  /** Fewer tried messages than this in the window say nothing about a channel. */
  channelMinAttempts: number;
  /** The recent window for the channels' failure rate (ms). */
  channelWindowMs: number;
  /** Free space on the SQLite data directory's filesystem under this many bytes opens `disk_low`… */
  diskFreeBytes: number;
  /** …or under this share of the filesystem (percent). */
  diskFreePercent: number;
  /** While storage refuses writes, the direct notice to the admins goes out at most this often per node (ms). */
  storageNoticeEveryMs: number;
}

export const DEFAULT_SELF_CHECKS: SelfCheckThresholds = {
  everyMs: 60_000,
  lagMs: 60_000,
  outboxAgeMs: 15 * 60_000,
  channelFailureRate: 0.5,
  channelMinAttempts: 3,
  channelWindowMs: 15 * 60_000,
  diskFreeBytes: 512 * 1024 * 1024,
  diskFreePercent: 5,
  storageNoticeEveryMs: 15 * 60_000,
};

/** What this node knows about itself. */
export interface NodeFacts {
  node: string;
  lagMs: number;
  /** The filesystem holding the SQLite data directory; null on PostgreSQL (its disk is the database server's). */
  disk: { dir: string; freeBytes: number; totalBytes: number } | null;
  /** The last scheduled backup's failure, or null (none failed, or backups are not scheduled here). */
  backupError: string | null;
}

/** What the rows say about one organization. */
export interface OrgFacts {
  unsent: { n: number; oldest: number | null };
  channels: readonly { channel: ChannelName; sent: number; failing: number }[];
}

export interface Finding {
  key: string;
  summary: string;
  details: Record<string, unknown>;
}

/** The integration id the self-checks' alerts carry (there is no integration row: nothing outside Vigil sends to it). */
export const SELF_CHECK_INTEGRATION = 'vigil-self-check';

export const FAILING_CHANNEL = 'channel_failing:';

/** The channel a `channel_failing:<channel>` key names, or null for any other key. */
export function failingChannelOf(key: string): ChannelName | null {
  return key.startsWith(FAILING_CHANNEL) ? (key.slice(FAILING_CHANNEL.length) as ChannelName) : null;
}

/** Whether this node decides about `key`: every organization-wide key, and its own node keys. */
export function ownsKey(key: string, node: string): boolean {
  const at = key.indexOf('@');
  return at < 0 || key.slice(at + 1) === node;
}

const mib = (b: number) => `${Math.round(b / (1024 * 1024))} MiB`;
const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

export function evaluate(now: number, t: SelfCheckThresholds, node: NodeFacts, org: OrgFacts): Finding[] {
  const out: Finding[] = [];
  if (node.lagMs > t.lagMs) {
    out.push({ key: `engine_lag@${node.node}`, summary: `Vigil's engine on ${node.node} is ${(node.lagMs / 1000).toFixed(1)} s behind (threshold ${(t.lagMs / 1000).toFixed(1)} s): pages and escalations go out late`, details: { lag_ms: node.lagMs, threshold_ms: t.lagMs, node: node.node } });
  }
  if (org.unsent.n > 0 && org.unsent.oldest !== null) {
    out.push({ key: 'outbox_stuck', summary: `${org.unsent.n} message${org.unsent.n === 1 ? '' : 's'} still unsent after more than ${minutes(t.outboxAgeMs)} (the oldest queued ${minutes(now - org.unsent.oldest)} ago)`, details: { unsent: org.unsent.n, oldest_queued_at: new Date(org.unsent.oldest).toISOString(), threshold_ms: t.outboxAgeMs } });
  }
  for (const c of [...org.channels].sort((a, b) => a.channel.localeCompare(b.channel))) {
    const tried = c.sent + c.failing;
    if (tried < t.channelMinAttempts || c.failing / tried <= t.channelFailureRate) continue;
    out.push({ key: `${FAILING_CHANNEL}${c.channel}`, summary: `The ${c.channel} channel is failing: ${c.failing} of ${tried} messages in the last ${minutes(t.channelWindowMs)} could not be delivered`, details: { channel: c.channel, failing: c.failing, sent: c.sent, window_ms: t.channelWindowMs, threshold_rate: t.channelFailureRate } });
  }
  if (node.disk) {
    const { freeBytes, totalBytes, dir } = node.disk;
    const percent = totalBytes > 0 ? (freeBytes / totalBytes) * 100 : 100;
    if (freeBytes < t.diskFreeBytes || percent < t.diskFreePercent) {
      out.push({ key: `disk_low@${node.node}`, summary: `Disk space low on ${node.node}: ${mib(freeBytes)} free (${percent.toFixed(1)} %) for the data directory ${dir}`, details: { dir, free_bytes: freeBytes, total_bytes: totalBytes, threshold_bytes: t.diskFreeBytes, threshold_percent: t.diskFreePercent, node: node.node } });
    }
  }
  if (node.backupError !== null) {
    out.push({ key: `backup_failed@${node.node}`, summary: `The scheduled backup failed on ${node.node}: ${node.backupError.slice(0, 200)}`, details: { error: node.backupError.slice(0, 1000), node: node.node } });
  }
  return out;
}

/** Re-exported where the self-checks are tested; it lives with the notification plan. */
export { preferWorkingMethods } from '../../notify/plan.js';
