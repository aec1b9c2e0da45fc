/**
 * Vigil's values as PagerDuty's REST enums, for answers that PagerDuty clients decode:
 * Vigil keeps its own roles, log entry types and E.164 numbers inside, and shows them
 * beside (`vigil_role`, `event_details.vigil_type`) where PagerDuty has no equivalent.
 * Pure.
 */

/** PagerDuty user roles for Vigil's (a responder is PagerDuty's `user`, a volunteer its `limited_user`). */
export const PD_ROLE = { owner: 'owner', admin: 'admin', responder: 'user', volunteer: 'limited_user', observer: 'observer' } as const satisfies Record<string, string>;

/** PagerDuty log entry types for Vigil's own kinds of timeline entry; types PagerDuty has pass unchanged. */
export const PD_LOG_TYPE: Record<string, string> = {
  alert_log_entry: 'trigger_log_entry',
  priority_change_log_entry: 'field_value_change_log_entry',
  merge_log_entry: 'annotate_log_entry',
  maintenance_start_log_entry: 'annotate_log_entry',
  maintenance_end_log_entry: 'annotate_log_entry',
  intense_log_entry: 'annotate_log_entry',
  impact_watch_log_entry: 'annotate_log_entry',
  responder_request_log_entry: 'annotate_log_entry',
  responder_cancel_log_entry: 'annotate_log_entry',
  responder_join_log_entry: 'annotate_log_entry',
  status_update_log_entry: 'annotate_log_entry',
};

/** ITU-T E.164 country calling codes of one and two digits; every other code has three. */
const SHORT_CODES = new Set(['1', '7', '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49', '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84', '86', '90', '91', '92', '93', '94', '95', '98']);

/** An E.164 number as PagerDuty's `country_code` and national `address`; null if it is not E.164. */
export function splitE164(e164: string): { country_code: number; address: string } | null {
  const m = /^\+([1-9]\d{6,14})$/.exec(e164);
  if (!m) return null;
  const digits = m[1]!;
  const len = SHORT_CODES.has(digits.slice(0, 1)) ? 1 : SHORT_CODES.has(digits.slice(0, 2)) ? 2 : 3;
  return { country_code: Number(digits.slice(0, len)), address: digits.slice(len) };
}
