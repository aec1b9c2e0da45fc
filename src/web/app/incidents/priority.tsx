/** An incident's priority as a badge ("P1"), and the select that changes it: shared by the list and the detail. */
import type { Incident, Priority } from '../../data/types';
import { msg } from '../../i18n';

export function PriorityBadge({ priority }: { priority: Incident['priority'] }) {
  if (!priority) return null;
  return (
    <span className="badge" title={msg('incidents.priority.priority')}>
      {priority.summary ?? msg('incidents.priority.priority')}
    </span>
  );
}

/** A select of the organization's priorities, most severe first, with "None". */
export function PrioritySelect({ id, value, priorities, onChange, disabled, describedBy }: { id: string; value: string; priorities: Priority[]; onChange: (priorityId: string) => void; disabled?: boolean; describedBy?: string | undefined }) {
  return (
    <select id={id} value={value} disabled={disabled} aria-describedby={describedBy} onChange={(e) => onChange(e.target.value)}>
      <option value="">{msg('incidents.priority.none')}</option>
      {priorities.map((p) => (
        <option key={p.id} value={p.id} title={p.description || undefined}>
          {p.name}
        </option>
      ))}
    </select>
  );
}
