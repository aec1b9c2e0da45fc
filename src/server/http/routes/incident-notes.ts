import { Type } from 'typebox';
import { IdParams, errorResponses } from '../../../contract/common.js';
import { Note, NoteCreate } from '../../../contract/incident.js';
import { invalid } from '../../errors.js';
import { incidentNotes } from '../../incident/incident-read.service.js';
import { noteIncident } from '../../incident/incident.service.js';
import { channelOf } from '../channel.js';
import type { App, AppDeps } from '../deps.js';
import { agentOf, principalOf } from '../plugins/auth.js';

/** Notes on an incident's timeline (annotate_log_entry). */
export function incidentNoteRoutes(app: App, deps: AppDeps): void {
  const { db, presenter: p } = deps;

  app.post(
    '/api/v1/incidents/:id/notes',
    { config: { permission: 'respond' }, schema: { summary: 'Add a note to the timeline', tags: ['incidents'], params: IdParams, body: NoteCreate, response: { 200: Type.Object({ note: Note }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const agent = agentOf(principal);
      const content = request.body.note.content;
      if (!content.trim()) throw invalid('note.content must not be blank');
      const id = await noteIncident(deps, principal.orgId, request.params.id, content, agent, channelOf(request));
      return { note: p.addedNote(id, agent, content, deps.clock.now()) };
    },
  );

  app.get(
    '/api/v1/incidents/:id/notes',
    { config: { permission: 'read' }, schema: { summary: "An incident's notes", tags: ['incidents'], params: IdParams, response: { 200: Type.Object({ notes: Type.Array(Note) }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const rows = await incidentNotes(db, orgId, request.params.id);
      return { notes: rows.map((r) => p.note(r)) };
    },
  );
}
