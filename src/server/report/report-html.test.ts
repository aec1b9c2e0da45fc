import { describe, expect, it } from 'vitest';
import { postmortemHtml, secs } from './report-html.js';

describe('printable HTML', () => {
  it('escapes what people wrote and lays out headings, lists and tables of the Markdown', () => {
    const md = [
      '<!-- #7 <b>x</b> · published -->',
      '# Postmortem: #7 <script>alert(1)</script>',
      '',
      '- Service: Chat & SMS',
      '',
      '## Timeline',
      '',
      '| time | event | what |',
      '|---|---|---|',
      '| 10:00 | trigger | a \\| b <img src=x> |',
      '',
      'Line one',
      'line two',
    ].join('\n');
    const html = postmortemHtml({ title: '#7 <script>', status: 'in_review' }, md, 'Harbor "Line"');
    expect(html).not.toMatch(/<script|<img|<b>/);
    expect(html).toContain('<h1>Postmortem: #7 &#60;script&#62;alert(1)&#60;/script&#62;</h1>');
    expect(html).toContain('<ul><li>Service: Chat &#38; SMS</li></ul>');
    expect(html).toContain('<thead><tr><th>time</th><th>event</th><th>what</th></tr></thead><tbody><tr><td>10:00</td><td>trigger</td><td>a | b &#60;img src=x&#62;</td></tr></tbody>');
    expect(html).toContain('<p>Line one<br>line two</p>');
    expect(html).toContain('Harbor &#34;Line&#34; · postmortem · in review');
    expect(html).not.toMatch(/<(link|script|img)\b|url\(|https?:/); // nothing to fetch
  });

  it('writes durations as people read them', () => {
    expect([secs(null), secs(45), secs(60), secs(156), secs(3600), secs(14_400), secs(3_870)]).toEqual(['—', '45 s', '1 min', '2 min 36 s', '1 h 00 min', '4 h 00 min', '1 h 05 min']);
  });
});
