/** The public status page on the wire: its settings, what the public sees, and the public updates responders write. */
import { Type } from 'typebox';
import { Nullable } from './common.js';

export const StatusPageSettings = Type.Object({
  slug: Type.String(),
  title: Type.String(),
  enabled: Type.Boolean(),
  components: Type.Array(Type.Object({ service_id: Type.String(), name: Type.String(), group: Type.String() })),
  public_url: Type.String(),
});

export const StatusPageUpdate = Type.Object({
  status_page: Type.Object({
    slug: Type.Optional(Type.String({ maxLength: 64 })),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    enabled: Type.Optional(Type.Boolean()),
    components: Type.Optional(Type.Array(Type.Object({ service_id: Type.String({ maxLength: 64 }), name: Type.Optional(Type.String({ maxLength: 255 })), group: Type.Optional(Type.String({ maxLength: 255 })) }), { maxItems: 200 })),
  }),
});

/** GET /api/v1/public/status/{slug}: no incident title, only the components an incident affects and its public updates. */
export const PublicStatusPage = Type.Object({
  title: Type.String(),
  state: Type.String(),
  updated_at: Type.String(),
  groups: Type.Array(Type.Object({ name: Type.String(), components: Type.Array(Type.Object({ id: Type.String({ description: 'A public id of the component (stable, not the service id)' }), name: Type.String(), state: Type.String() })) })),
  incidents: Type.Array(
    Type.Object({
      id: Type.String({ description: 'A public id of the incident (stable, not its internal id)' }),
      status: Type.String(),
      impact: Type.String(),
      components: Type.Array(Type.String()),
      started_at: Type.String(),
      resolved_at: Nullable(Type.String()),
      priority: Nullable(Type.String({ description: "The incident's priority name (P1, …), if it has one" })),
      updates: Type.Array(Type.Object({ status: Type.String(), message: Type.String(), created_at: Type.String() })),
      postmortem: Nullable(Type.Object({ summary: Type.String({ description: 'The Summary section of its published postmortem, as written (Markdown); nothing else of it' }), published_at: Type.String() }, { description: 'Only once the postmortem is published' })),
    }),
  ),
  maintenance: Type.Array(
    Type.Object({
      id: Type.String({ description: 'A public id of the maintenance window (stable, not its internal id)' }),
      status: Type.Union([Type.Literal('in_progress'), Type.Literal('scheduled')]),
      description: Nullable(Type.String()),
      components: Type.Array(Type.String()),
      start_time: Type.String(),
      end_time: Type.String(),
    }),
    { description: 'Maintenance in progress and planned for the next 7 days, soonest first (a recurring window once per occurrence)' },
  ),
});

export const PublicUpdate = Type.Object({ id: Type.String(), status: Type.String(), message: Type.String(), created_at: Type.String(), author: Nullable(Type.Object({ id: Type.String(), name: Nullable(Type.String()) })) });

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
