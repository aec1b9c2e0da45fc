/**
 * On a person's contact methods: "Would this wake me at 3 a.m.?" (GET …/wake_check) and a
 * "Send me a test" button per verified method that shows the result as the outbox records it.
 */
import { useEffect, useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { afterText, channelName, classLabel, methodTest, sendMethodTest, testDone, testResultText, verdictText, wakeCheck, whyText, type MethodTest, type WakeCheck } from '../../data/wake';
import type { ContactMethod } from '../../data/types';
import { ErrorBox, Loading, Notice } from '../ui';
import { fmtDateTime, msg } from '../../i18n';

const CLASS_BADGE: Record<string, string> = { loud: 'badge-resolved', quiet: 'badge-acknowledged', unverified: 'badge-triggered' };

function Plan({ title, answer }: { title: string; answer: WakeCheck['high_urgency'] }) {
  return (
    <>
      <h4>{title}</h4>
      <Notice tone={answer.would_wake ? 'ok' : 'warn'}>
        {answer.would_wake ? msg('people.wakeCheck.yes') : msg('people.wakeCheck.no')}
        {verdictText(answer)}
      </Notice>
      {answer.notifications.length > 0 && (
        <ol className="plain">
          {answer.notifications.map((n, i) => (
            <li key={`${n.contact_method.id}-${i}`}>
              <strong>{n.contact_method.summary}</strong> <span className="muted">{channelName(n.channel)}</span> {afterText(n.start_delay_in_minutes)} <span className={`badge ${CLASS_BADGE[n.wake_class] ?? ''}`}>{classLabel(n.wake_class)}</span>{' '}
              <span className="muted">{whyText(n)}</span>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

/** `version` changes when the methods or rules do, to ask again. */
export function WakePanel({ userId, self, version }: { userId: string; self: boolean; version: unknown }) {
  const w = useAsync(() => wakeCheck(userId), [userId, version]);
  return (
    <section aria-labelledby="wake-h">
      <h3 id="wake-h">{self ? msg('people.wakeCheck.would_this_wake_me_at_3') : msg('people.wakeCheck.would_this_wake_them_at_3')}</h3>
      <ErrorBox error={w.error} />
      {!w.data ? (
        <Loading what={msg('people.wakeCheck.the_3_a_m_check')} />
      ) : (
        <>
          <p className="muted">{msg('people.wakeCheck.a_page_at')}{' '}{fmtDateTime(w.data.at, { timeZone: w.data.time_zone, dateStyle: 'medium', timeStyle: 'short' })} ({w.data.time_zone}).</p>
          <Plan title={msg('people.wakeCheck.high_urgency')} answer={w.data.high_urgency} />
          <Plan title={msg('people.wakeCheck.low_urgency')} answer={w.data.low_urgency} />
        </>
      )}
    </section>
  );
}

/** "Send me a test" through one verified method; polls the result until it is sent or failed. */
export function MethodTestButton({ userId, method }: { userId: string; method: ContactMethod }) {
  const [test, setTest] = useState<MethodTest | null>(null);
  const send = useAction(async () => setTest(await sendMethodTest(userId, method.id)));
  useEffect(() => {
    if (!test || testDone(test)) return;
    const timer = setTimeout(() => void methodTest(userId, method.id, test.id).then(setTest, () => {}), test.status === 'retrying' ? 10_000 : 1500);
    return () => clearTimeout(timer);
  }, [test, userId, method.id]);
  const result = test ? testResultText(test) : null;
  return (
    <span className="row-form">
      <button type="button" className="btn btn-secondary btn-small" disabled={send.busy || (test !== null && !testDone(test))} onClick={() => void send.run()}>{msg('people.wakeCheck.send_me_a_test')}</button>
      {result && (
        <span role="status" className={test?.status === 'failed' ? 'badge badge-triggered' : 'muted'}>
          {result}
        </span>
      )}
      <ErrorBox error={send.error} />
    </span>
  );
}
