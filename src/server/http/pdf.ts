/**
 * PDF answers: a route answers PDF when asked by `?format=pdf` or `Accept: application/pdf`
 * (any other `?format` wins over the Accept header).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export function wantsPdf(request: FastifyRequest): boolean {
  const format = (request.query as { format?: string } | undefined)?.format;
  if (format) return format === 'pdf';
  return /\bapplication\/pdf\b/i.test(String(request.headers.accept ?? ''));
}

export function sendPdf(reply: FastifyReply, filename: string, body: Buffer): FastifyReply {
  return reply.type('application/pdf').header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'no-store').send(body);
}
