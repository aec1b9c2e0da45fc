/**
 * Writing a public update (issue 19 item 2): start from a plain-language template filled from
 * the incident, see how easy the words are to read as you type, and, on the resolving update,
 * add the people affected from Vigil's estimate.
 */
import { useState } from 'react';
import { readability, readingHint, type ReadingLanguage } from '../../../contract/readability';
import { postPublicUpdate, updateTemplates } from '../../data/incidents';
import { useAction, useAsync } from '../../data/hooks';
import { ErrorBox, Field } from '../ui';

const LANGUAGES: { value: ReadingLanguage; label: string }[] = [
  { value: 'en', label: 'English' },
  { value: 'fr', label: 'Français' },
  { value: 'es', label: 'Español' },
];

export function PublicUpdateForm({ incidentId, onPosted }: { incidentId: string; onPosted: () => void }) {
  const [status, setStatus] = useState('investigating');
  const [message, setMessage] = useState('');
  const [language, setLanguage] = useState<ReadingLanguage>('en');
  const [showPeople, setShowPeople] = useState(false);
  const templates = useAsync(() => updateTemplates(incidentId, language), [incidentId, language]);
  const post = useAction(async () => {
    await postPublicUpdate(incidentId, status, message, status === 'resolved' && showPeople ? { language } : undefined);
    setMessage('');
    setShowPeople(false);
    onPosted();
  });
  const read = readability(message, language);
  const hint = readingHint(read);
  const offered = (templates.data ?? []).filter((t) => t.status === status);

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void post.run();
      }}
    >
      <div className="row">
        <Field label="Public status">
          {(fid) => (
            <select id={fid} value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="investigating">Investigating</option>
              <option value="identified">Identified</option>
              <option value="monitoring">Monitoring</option>
              <option value="resolved">Resolved</option>
            </select>
          )}
        </Field>
        <Field label="Language">
          {(fid) => (
            <select id={fid} value={language} onChange={(e) => setLanguage(e.target.value as ReadingLanguage)}>
              {LANGUAGES.map((l) => (
                <option key={l.value} value={l.value} lang={l.value}>
                  {l.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Start from a template" hint={offered.some((t) => t.missing.length) ? 'Words in {braces} are not known yet: replace them.' : undefined}>
          {(fid, describedBy) => (
            <select
              id={fid}
              aria-describedby={describedBy}
              value=""
              disabled={offered.length === 0}
              onChange={(e) => {
                const t = offered.find((x) => x.id === e.target.value);
                if (t) setMessage(t.filled ?? t.text);
              }}
            >
              <option value="">Choose…</option>
              {offered.map((t) => (
                <option key={t.id} value={t.id}>
                  {(t.filled ?? t.text).slice(0, 70)}
                  {(t.filled ?? t.text).length > 70 ? '…' : ''}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field label="Message for the public">
        {(fid) => (
          <>
            <textarea id={fid} rows={3} lang={language} value={message} onChange={(e) => setMessage(e.target.value)} maxLength={4000} aria-describedby={`${fid}-reading`} />
            <p className={`hint reading reading-${read.level ?? 'none'}`} id={`${fid}-reading`} aria-live="polite" data-testid="reading-hint">
              {hint && (
                <>
                  {hint}
                  <span className="muted">
                    {' '}
                    ({read.wordsPerSentence} words a sentence{read.grade !== null ? `, grade ${Math.max(0, read.grade)}` : ''})
                  </span>
                </>
              )}
            </p>
          </>
        )}
      </Field>
      {status === 'resolved' && (
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={showPeople} onChange={(e) => setShowPeople(e.target.checked)} /> Show how many people were affected
          </label>
          <p className="hint">Adds a sentence from Vigil’s estimate, such as “Between 02:10 and 03:05 about 40 people could not reach Text line.”</p>
        </div>
      )}
      <button type="submit" className="btn btn-secondary" disabled={post.busy || !message.trim()}>
        Post public update
      </button>
      <ErrorBox error={post.error} />
    </form>
  );
}
