/** Row types of the scheduled test page tables (0034), kept beside schema.ts, which lists them in Database. */

/** An organization's scheduled test pages: on or off, and how long before a first shift. No row: on, 24 hours. */
export interface TestPageSettingsTable {
  org_id: string;
  enabled: number;
  lead_hours: number;
  updated_at: number;
}

/** One scheduled test to one contact method; `claim_key` is unique per method (the engine's claim). */
export interface ContactMethodTestTable {
  org_id: string;
  id: string;
  user_id: string;
  contact_method_id: string;
  reason: 'first_shift' | 'monthly';
  claim_key: string;
  sent_at: number;
  /** SHA-256 of the confirm link's token (set when the message is built; single use). */
  token_hash: string | null;
  token_expires_at: number | null;
  confirmed_at: number | null;
}

export interface TestPageDatabase {
  test_page_settings: TestPageSettingsTable;
  contact_method_tests: ContactMethodTestTable;
}
