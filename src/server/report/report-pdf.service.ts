/**
 * The impact report and postmortems as PDF: the printable HTML (report-html.ts) rendered by
 * Chromium (pdf.ts). Each figure is the one the JSON and CSV answers give.
 */
import type { Kysely } from 'kysely';
import { findOrganization } from '../org/org.service.js';
import { postmortemMarkdown } from '../postmortem/postmortem.service.js';
import type { Database, PostmortemTable } from '../storage/schema.js';
import type { MonthlyReport } from './impact-report.service.js';
import type { PdfRenderer } from './pdf.js';
import { impactReportHtml, postmortemHtml } from './report-html.js';

type Db = Kysely<Database>;

const orgName = async (db: Db, orgId: string) => (await findOrganization(db, orgId))?.name ?? 'Vigil';

export async function impactReportPdf(db: Db, pdf: PdfRenderer, orgId: string, r: MonthlyReport): Promise<Buffer> {
  return pdf.render(impactReportHtml(r, await orgName(db, orgId)));
}

export async function postmortemPdf(db: Db, pdf: PdfRenderer, orgId: string, p: PostmortemTable): Promise<Buffer> {
  const [name, markdown] = await Promise.all([orgName(db, orgId), postmortemMarkdown(db, orgId, p)]);
  return pdf.render(postmortemHtml(p, markdown, name));
}
