import { msg } from '../../i18n';
/**
 * The condition language in a few lines, above the rules. `#pcl-hint` is the short
 * form every condition field points at (aria-describedby); the rest opens on demand.
 */
export function PclHelp({ router }: { router: boolean }) {
  return (
    <section className="card pcl-help" aria-labelledby="pcl-h">
      <h2 id="pcl-h">{msg('rules.pclHelp.writing_conditions')}</h2>
      <p id="pcl-hint" className="small">{msg('rules.pclHelp.a_field_an_operator_a_value')}{' '}<code>{msg('rules.pclHelp.event_summary_matches_part_disk')}</code>{msg('rules.pclHelp.a_rule_with_several_conditions_matches')}{' '}<code>{msg('rules.pclHelp.and')}</code>{' '}{msg('rules.pclHelp.for_all')}</p>
      <ul className="examples small">
        <li>
          <code>{msg('rules.pclHelp.event_summary_matches_part_disk')}</code> <span className="muted">{msg('rules.pclHelp.the_summary_contains_disk')}</span>
        </li>
        <li>
          <code>{msg('rules.pclHelp.event_custom_details_region_matches_eu')}</code> <span className="muted">{msg('rules.pclHelp.a_custom_detail_is_exactly_eu')}</span>
        </li>
        <li>
          <code>{msg('rules.pclHelp.now_in_mon_tue_wed_thu')}</code> <span className="muted">{msg('rules.pclHelp.during_office_hours_in_paris')}</span>
        </li>
      </ul>
      <details className="small">
        <summary>{msg('rules.pclHelp.more_fields_operators_combining')}</summary>
        <p>{msg('rules.pclHelp.fields')}{' '}<code>{msg('rules.pclHelp.event_summary')}</code>, <code>{msg('rules.pclHelp.event_source')}</code>, <code>{msg('rules.pclHelp.event_severity')}</code>, <code>{msg('rules.pclHelp.event_component')}</code>, <code>{msg('rules.pclHelp.event_group')}</code>, <code>{msg('rules.pclHelp.event_class')}</code>,{' '}
          <code>{msg('rules.pclHelp.event_dedup_key')}</code>, <code>{msg('rules.pclHelp.event_custom_details_key')}</code>, <code>{msg('rules.pclHelp.event_links')}</code>, <code>{msg('rules.pclHelp.event_timestamp')}</code>.
        </p>
        <p>{msg('rules.pclHelp.operators')}{' '}<code>{msg('rules.pclHelp.matches')}</code>{' '}{msg('rules.pclHelp.exactly')}{' '}<code>{msg('rules.pclHelp.matches_part')}</code>{' '}{msg('rules.pclHelp.contains')}{' '}<code>{msg('rules.pclHelp.matches_regex')}</code>{' '}{msg('rules.pclHelp.re2')}{' '}<code>{msg('rules.pclHelp.exists')}</code>{msg('rules.pclHelp.their')}{' '}<code>{msg('rules.pclHelp.does_not')}</code>{' '}{msg('rules.pclHelp.forms')}{' '}
          <code>{msg('rules.pclHelp.starts_with')}</code>{msg('rules.pclHelp.numbers_with')}{' '}<code>&gt; &gt;= &lt; &lt;= == !=</code>{msg('rules.pclHelp.and_time_windows')}{' '}<code>{msg('rules.pclHelp.now_in_days_hh_mm_ss')}</code>.
        </p>
        <p>{msg('rules.pclHelp.combine_with')}{' '}<code>{msg('rules.pclHelp.and')}</code>, <code>{msg('rules.pclHelp.or')}</code>, <code>{msg('rules.pclHelp.not')}</code>{' '}{msg('rules.pclHelp.and_parentheses_text_is_case_sensitive')}{' '}<code>{msg('rules.pclHelp.matches_regex_i_disk')}</code>{' '}{msg('rules.pclHelp.ignores_case')}{router ? msg('rules.pclHelp.the_first_rule_that_matches_picks') : msg('rules.pclHelp.actions_of_a_later_set_override')}
        </p>
      </details>
    </section>
  );
}
