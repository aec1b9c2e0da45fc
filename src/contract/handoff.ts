import { Type } from 'typebox';
import { Reference } from './common.js';

const Fields = {
  notify_advance_in_minutes: Type.Integer({ description: 'How long before the handoff to tell (0 to 10080)' }),
  handoff_type: Type.String({ description: 'oncall (a shift starts), offcall (a shift ends) or both (default)' }),
  contact_method: Type.Object({ id: Type.String({ maxLength: 64 }), type: Type.Optional(Type.String({ maxLength: 64 })), summary: Type.Optional(Type.Any()), self: Type.Optional(Type.Any()), html_url: Type.Optional(Type.Any()) }, { additionalProperties: false }),
};

/** PagerDuty's HandoffNotificationRule. */
export const HandoffRule = Type.Object({
  id: Type.String(),
  notify_advance_in_minutes: Type.Integer(),
  handoff_type: Type.String(),
  contact_method: Reference('email_contact_method_reference'),
});

const In = (required: boolean) =>
  Type.Object(
    {
      oncall_handoff_notification_rule: Type.Object(
        { id: Type.Optional(Type.String()), type: Type.Optional(Type.String()), ...(required ? { ...Fields, notify_advance_in_minutes: Type.Optional(Fields.notify_advance_in_minutes), handoff_type: Type.Optional(Fields.handoff_type) } : { notify_advance_in_minutes: Type.Optional(Fields.notify_advance_in_minutes), handoff_type: Type.Optional(Fields.handoff_type), contact_method: Type.Optional(Fields.contact_method) }) },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  );

export const HandoffRuleCreate = In(true);
export const HandoffRuleUpdate = In(false);
