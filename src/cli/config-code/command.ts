/**
 * `vigil export` and `vigil apply`: the CLI's side (arguments, files, output, exit codes). The
 * work is in apply.ts over the REST API of a running Vigil; the token picks the organization.
 */
import fs from 'node:fs';
import { ApiError, fetchTransport } from './api.js';
import { applyConfig, ConfigFileError, exportConfig } from './apply.js';

export interface ConfigCommandArgs {
  'api-url'?: string;
  token?: string;
  file?: string;
  output?: string;
  org?: string;
  'dry-run'?: boolean;
  prune?: boolean;
  json?: boolean;
}

/** Options each command takes; any other given is refused by name rather than ignored. */
const TAKES = { export: ['api-url', 'token', 'output'], apply: ['api-url', 'token', 'file', 'dry-run', 'prune'] } as const;

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

export async function configCommand(command: 'export' | 'apply', values: ConfigCommandArgs, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const apiUrl = values['api-url'] ?? env.VIGIL_API_URL;
  const token = values.token ?? env.VIGIL_TOKEN;
  if (!apiUrl || !token) {
    err(`vigil ${command} needs --api-url URL (a running Vigil, e.g. http://127.0.0.1:8080) and --token TOKEN (an API token of the organization; or VIGIL_API_URL and VIGIL_TOKEN)\n`);
    return 2;
  }
  if (values.org) {
    err(`vigil ${command}: --org is not used here: the API token picks the organization\n`);
    return 2;
  }
  const extra = Object.keys(values).filter((k) => (values as Record<string, unknown>)[k] !== undefined && !(TAKES[command] as readonly string[]).includes(k));
  if (extra.length) {
    err(`vigil ${command} does not take ${extra.map((k) => `--${k}`).join(', ')}\n`);
    return 2;
  }
  const transport = fetchTransport(apiUrl, token);
  try {
    if (command === 'export') {
      const text = await exportConfig(transport);
      if (values.output) fs.writeFileSync(values.output, text);
      else out(text);
      return 0;
    }
    if (!values.file) {
      err('vigil apply needs -f FILE (a file written by vigil export, or by hand; "-" reads standard input)\n');
      return 2;
    }
    const text = fs.readFileSync(values.file === '-' ? 0 : values.file, 'utf8');
    const r = await applyConfig(transport, text, { dryRun: values['dry-run'] === true, prune: values.prune === true });
    out(r.planText);
    if (values['dry-run']) out('dry run: nothing was changed\n');
    else if (r.changed) out(`applied ${r.changed} change${r.changed === 1 ? '' : 's'}\n`);
    for (const line of r.keys) out(`${line}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigFileError) {
      err(`vigil apply: ${e.message}\nnothing was changed\n`);
      return 2;
    }
    if (e instanceof ApiError) {
      err(`vigil ${command}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
