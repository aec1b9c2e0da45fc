/** Scheduled test pages (Vigil extension, issue 18): the organization's setting on the wire. */
import { Type, type Static } from 'typebox';

export const TestPageSettings = Type.Object({
  enabled: Type.Boolean({ description: 'Scheduled test pages on or off (off until an admin turns them on).' }),
  lead_time_hours: Type.Integer({ minimum: 1, maximum: 336, description: 'How long before a person’s first shift in a rotation the test is sent (default 24).' }),
});
export type TestPageSettings = Static<typeof TestPageSettings>;

export const TestPageSettingsUpdate = Type.Object({ test_page_settings: Type.Partial(TestPageSettings) });
