/**
 * Writing a public update (issue 19 item 2): start from a plain-language template filled from
 * the incident, see how easy the words are to read as you type, and, on the resolving update,
 * add the people affected from Vigil's estimate.
 */
import { useState } from 'react';
import { readability, readingTip, type Readability, type ReadingLanguage } from '../../../contract/readability';
import { postPublicUpdate, updateTemplates } from '../../data/incidents';
import { useAction, useAsync } from '../../data/hooks';
import { ErrorBox, Field } from '../ui';
import { msg } from '../../i18n';

/** The reading hint in the person's language (contract/readability.ts's levels). */
function readingHint(r: Readability): string {
  if (r.level === null) return '';
  if (r.level === 'easy') return msg('incidents.publicUpdateForm.easy_to_read');
  const tip = readingTip(r) === 'sentences' ? msg('incidents.publicUpdateForm.tip_shorter_sentences') : msg('incidents.publicUpdateForm.tip_everyday_words');
  return r.level === 'fair' ? msg('incidents.publicUpdateForm.fairly_hard', { tip }) : msg('incidents.publicUpdateForm.hard_to_read', { tip });
}

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
        <Field label={msg('incidents.incidentDetail.public_status')}>
          {(fid) => (
            <select id={fid} value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="investigating">{msg('incidents.incidentDetail.investigating')}</option>
              <option value="identified">{msg('incidents.incidentDetail.identified')}</option>
              <option value="monitoring">{msg('incidents.incidentDetail.monitoring')}</option>
              <option value="resolved">{msg('incidents.incidentDetail.resolved')}</option>
            </select>
          )}
        </Field>
        <Field label={msg('incidents.publicUpdateForm.language')}>
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
        <Field label={msg('incidents.publicUpdateForm.start_from_a_template')} hint={offered.some((t) => t.missing.length) ? msg('incidents.publicUpdateForm.braces_hint') : undefined}>
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
              <option value="">{msg('incidents.publicUpdateForm.choose')}</option>
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
      <Field label={msg('incidents.incidentDetail.message_for_the_public')}>
        {(fid) => (
          <>
            <textarea id={fid} rows={3} lang={language} value={message} onChange={(e) => setMessage(e.target.value)} maxLength={4000} aria-describedby={`${fid}-reading`} />
            <p className={`hint reading reading-${read.level ?? 'none'}`} id={`${fid}-reading`} aria-live="polite" data-testid="reading-hint">
              {hint && (
                <>
                  {hint}
                  <span className="muted">
                    {' '}
                    {read.grade !== null ? msg('incidents.publicUpdateForm.words_and_grade', { words: read.wordsPerSentence, grade: Math.max(0, read.grade) }) : msg('incidents.publicUpdateForm.words_a_sentence', { words: read.wordsPerSentence })}
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
            <input type="checkbox" checked={showPeople} onChange={(e) => setShowPeople(e.target.checked)} /> {msg('incidents.publicUpdateForm.show_people_affected')}
          </label>
          <p className="hint">{msg('incidents.publicUpdateForm.show_people_affected_hint')}</p>
        </div>
      )}
      <button type="submit" className="btn btn-secondary" disabled={post.busy || !message.trim()}>
        {msg('incidents.incidentDetail.post_public_update')}
      </button>
      <ErrorBox error={post.error} />
    </form>
  );
}
