/** Postmortems and their action items on the wire (Vigil's own: PagerDuty's REST API has none). */
import { Type } from 'typebox';
import { Nullable } from './common.js';

export const PostmortemStatusT = Type.Union([Type.Literal('draft'), Type.Literal('in_review'), Type.Literal('published')]);
export const ActionItemStatusT = Type.Union([Type.Literal('open'), Type.Literal('in_progress'), Type.Literal('done'), Type.Literal('wont_do')]);

export const ActionItem = Type.Object({
  id: Type.String(),
  type: Type.Literal('action_item'),
  postmortem_id: Type.String(),
  incident: Type.Object({ id: Type.String(), number: Nullable(Type.Integer()), title: Nullable(Type.String()) }),
  summary: Type.String(),
  owner: Type.Object({ id: Type.String(), type: Type.Literal('user_reference'), summary: Type.String() }),
  due_date: Type.String({ description: 'YYYY-MM-DD in the organization’s zone' }),
  status: ActionItemStatusT,
  overdue: Type.Boolean({ description: 'Open or in progress, and the due date has passed' }),
  reminders_sent: Type.Integer(),
  created_at: Type.String(),
  updated_at: Type.String(),
  completed_at: Nullable(Type.String()),
});

export const Postmortem = Type.Object({
  id: Type.String(),
  type: Type.Literal('postmortem'),
  incident: Type.Object({ id: Type.String(), number: Nullable(Type.Integer()), title: Nullable(Type.String()) }),
  title: Type.String(),
  status: PostmortemStatusT,
  body: Type.String({ description: 'Markdown' }),
  action_items: Type.Array(ActionItem),
  created_at: Type.String(),
  updated_at: Type.String(),
  published_at: Nullable(Type.String()),
});

export const PostmortemUpdate = Type.Object({
  postmortem: Type.Object({
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    body: Type.Optional(Type.String({ maxLength: 200_000 })),
    status: Type.Optional(PostmortemStatusT),
  }),
});

export const ActionItemCreate = Type.Object({
  action_item: Type.Object({
    summary: Type.String({ minLength: 1, maxLength: 1000 }),
    owner_id: Type.String({ minLength: 1, maxLength: 64 }),
    due_date: Type.String({ maxLength: 10, description: 'YYYY-MM-DD' }),
    status: Type.Optional(ActionItemStatusT),
  }),
});

export const ActionItemUpdate = Type.Object({
  action_item: Type.Object({
    summary: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    owner_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    due_date: Type.Optional(Type.String({ maxLength: 10 })),
    status: Type.Optional(ActionItemStatusT),
  }),
});
