/** The public status page on the wire: its settings, what the public sees, and the public updates responders write. */
import { Type } from 'typebox';
import { Nullable } from './common.js';

export const StatusPageSettings = Type.Object({
  slug: Type.String(),
  title: Type.String(),
  enabled: Type.Boolean(),
  components: Type.Array(Type.Object({ service_id: Type.String(), name: Type.String(), group: Type.String() })),
  languages: Type.Array(Type.String(), { description: 'The languages the public page answers in (en, fr, es), the first the default' }),
  public_url: Type.String(),
});

export const StatusPageUpdate = Type.Object({
  status_page: Type.Object({
    slug: Type.Optional(Type.String({ maxLength: 64 })),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    enabled: Type.Optional(Type.Boolean()),
    languages: Type.Optional(Type.Array(Type.String({ maxLength: 8 }), { maxItems: 10, description: 'en, fr or es, in order; the first is the default (at least one)' })),
    components: Type.Optional(Type.Array(Type.Object({ service_id: Type.String({ maxLength: 64 }), name: Type.Optional(Type.String({ maxLength: 255 })), group: Type.Optional(Type.String({ maxLength: 255 })) }), { maxItems: 200 })),
  }),
});

/** GET /api/v1/public/status/{slug}: no incident title, only the components an incident affects and its public updates. */
export const PublicStatusPage = Type.Object({
  title: Type.String(),
  language: Type.String({ description: 'The language of the labels: ?lang= or Accept-Language among the page\'s languages, else its first' }),
  languages: Type.Array(Type.String(), { description: 'The languages this page offers, the first the default' }),
  state: Type.String(),
  state_label: Type.String({ description: 'The headline ("All systems operational") in `language`' }),
  updated_at: Type.String(),
  updated_at_label: Type.String({ description: '"Updated …" in `language`, in UTC' }),
  groups: Type.Array(Type.Object({ name: Type.String(), components: Type.Array(Type.Object({ id: Type.String({ description: 'A public id of the component (stable, not the service id)' }), name: Type.String(), state: Type.String(), state_label: Type.String() })) })),
  incidents: Type.Array(
    Type.Object({
      id: Type.String({ description: 'A public id of the incident (stable, not its internal id)' }),
      status: Type.String(),
      status_label: Type.String(),
      impact: Type.String(),
      impact_label: Type.String(),
      components: Type.Array(Type.String()),
      started_at: Type.String(),
      resolved_at: Nullable(Type.String()),
      priority: Nullable(Type.String({ description: "The incident's priority name (P1, …), if it has one" })),
      updates: Type.Array(Type.Object({ status: Type.String(), status_label: Type.String(), message: Type.String(), created_at: Type.String() })),
      postmortem: Nullable(Type.Object({ summary: Type.String({ description: 'The Summary section of its published postmortem, as written (Markdown); nothing else of it' }), published_at: Type.String() }, { description: 'Only once the postmortem is published' })),
    }),
  ),
  maintenance: Type.Array(
    Type.Object({
      id: Type.String({ description: 'A public id of the maintenance window (stable, not its internal id)' }),
      status: Type.Union([Type.Literal('in_progress'), Type.Literal('scheduled')]),
      status_label: Type.String(),
      description: Nullable(Type.String()),
      components: Type.Array(Type.String()),
      start_time: Type.String(),
      end_time: Type.String(),
    }),
    { description: 'Maintenance in progress and planned for the next 7 days, soonest first (a recurring window once per occurrence)' },
  ),
});

export const PublicUpdate = Type.Object({ id: Type.String(), status: Type.String(), message: Type.String(), created_at: Type.String(), author: Nullable(Type.Object({ id: Type.String(), name: Nullable(Type.String()) })) });

/** POST /api/v1/public/status/{slug}/subscriptions: an email subscribes itself (double opt-in). */
export const SubscribeRequest = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 254, description: 'The address that receives the updates, once it confirmed through the link mailed to it' }),
  component_ids: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 200, description: 'Public component ids (from the public page); none or empty: every component' })),
});

export const SubscribeAccepted = Type.Object({
  subscription: Type.Object({ status: Type.Literal('pending_confirmation'), message: Type.String() }),
});

export const StatusSubscriber = Type.Object({
  id: Type.String(),
  type: Type.Union([Type.Literal('email'), Type.Literal('webhook')]),
  email: Nullable(Type.String()),
  url: Nullable(Type.String()),
  components: Type.Array(Type.Object({ id: Type.String({ description: 'Public component id' }), name: Type.String() }), { description: 'Empty: every component' }),
  confirmed: Type.Boolean(),
  created_at: Type.String(),
  confirmed_at: Nullable(Type.String()),
  expires_at: Nullable(Type.String({ description: 'An unconfirmed email subscriber is deleted then' })),
  language: Nullable(Type.String({ description: "An email subscriber's language (en, fr, es): the one they read the page in when subscribing; their mails are in it while the page offers it, else in the page's first language. Null for webhooks and for subscribers from before languages were remembered" })),
});

export const StatusSubscriberCreate = Type.Object({
  subscriber: Type.Object({
    type: Type.String({ description: 'webhook (email addresses subscribe themselves on the public page, with double opt-in)' }),
    url: Type.String({ minLength: 1, maxLength: 2048 }),
    component_ids: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 200 })),
  }),
});

/** The languages plain-language templates and the people-affected sentence are written in. */
export const UpdateLanguage = Type.Union([Type.Literal('en'), Type.Literal('fr'), Type.Literal('es')], { description: 'en, fr or es' });

/** GET /api/v1/status_page/update_templates: plain-language starting points for a public update. */
export const UpdateTemplate = Type.Object({
  id: Type.String({ description: 'Stable per phase: investigating, investigating_short, identified, monitoring, resolved, resolved_people' }),
  status: Type.String({ description: 'The public status the template is written for' }),
  language: Type.String(),
  text: Type.String({ description: 'With the placeholders {components}, {start}, {end}, {people}' }),
  filled: Nullable(Type.String({ description: "With incident_id: the text filled from the incident (components' public names, times in the organization's time zone, the people affected, rounded); null without" })),
  missing: Type.Array(Type.String(), { description: 'Placeholders the incident could not fill (no {end} while open, no {people} without an estimate of people affected); they stay in `filled`' }),
});
