/**
 * The condition language in a few lines, above the rules. `#pcl-hint` is the short
 * form every condition field points at (aria-describedby); the rest opens on demand.
 */
export function PclHelp({ router }: { router: boolean }) {
  return (
    <section className="card pcl-help" aria-labelledby="pcl-h">
      <h2 id="pcl-h">Writing conditions</h2>
      <p id="pcl-hint" className="small">
        A field, an operator, a value in quotes, as in PagerDuty Event Orchestration: <code>event.summary matches part 'disk'</code>. A rule with several conditions
        matches when any one holds; join with <code>and</code> for all.
      </p>
      <ul className="examples small">
        <li>
          <code>event.summary matches part 'disk'</code> <span className="muted">the summary contains “disk”</span>
        </li>
        <li>
          <code>event.custom_details.region matches 'eu-west'</code> <span className="muted">a custom detail is exactly “eu-west”</span>
        </li>
        <li>
          <code>now in Mon,Tue,Wed,Thu,Fri 09:00:00 to 17:00:00 Europe/Paris</code> <span className="muted">during office hours in Paris</span>
        </li>
      </ul>
      <details className="small">
        <summary>More: fields, operators, combining</summary>
        <p>
          Fields: <code>event.summary</code>, <code>event.source</code>, <code>event.severity</code>, <code>event.component</code>, <code>event.group</code>, <code>event.class</code>,{' '}
          <code>event.dedup_key</code>, <code>event.custom_details.&lt;key&gt;</code>, <code>event.links</code>, <code>event.timestamp</code>.
        </p>
        <p>
          Operators: <code>matches</code> (exactly), <code>matches part</code> (contains), <code>matches regex</code> (RE2), <code>exists</code>, their <code>does not …</code> forms,{' '}
          <code>starts with</code>, numbers with <code>&gt; &gt;= &lt; &lt;= == !=</code>, and time windows <code>now in &lt;days&gt; HH:MM:SS to HH:MM:SS &lt;zone&gt;</code>.
        </p>
        <p>
          Combine with <code>and</code>, <code>or</code>, <code>not</code> and parentheses. Text is case-sensitive; <code>matches regex '(?i)disk'</code> ignores case.
          {router ? ' The first rule that matches picks the service.' : ' Actions of a later set override earlier ones; notes add up.'}
        </p>
      </details>
    </section>
  );
}
