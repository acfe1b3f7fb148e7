/**
 * The process's output: pino JSON lines (production: stdout is a pipe or a file) or readable
 * lines when stdout is a terminal; `LOG_FORMAT=json|pretty` chooses explicitly. The start-up banner,
 * the demo's stats line and the closing summary go through the same writer (`say`), at info level
 * whatever LOG_LEVEL is, so one run never mixes two formats. Cold path.
 */
import pino from 'pino';
import type { Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';

/** LOG_FORMAT, else pretty on a terminal and JSON otherwise; null when LOG_FORMAT is not one of them. */
export function logFormat(env: NodeJS.ProcessEnv = process.env, tty = process.stdout.isTTY === true): LogFormat | null {
  const f = env.LOG_FORMAT;
  if (f === undefined || f === '') return tty ? 'pretty' : 'json';
  return f === 'json' || f === 'pretty' ? f : null;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/** One pino JSON line as a readable line: `07:12:01.123 INFO  message key=value …`. */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const t = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 23) : '';
  const level = (LEVELS[o.level as number] ?? String(o.level)).padEnd(5);
  const fields = Object.entries(o)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return `${t} ${level} ${o.msg ?? ''}${fields.length ? `  ${fields.join(' ')}` : ''}\n`;
}

/** The pino options of every thread's logger: API keys and tokens never written. */
export function loggerOptions(level: string, base?: Record<string, unknown>): pino.LoggerOptions {
  return {
    name: 'ringmatch', level, ...(base ? { base } : {}),
    redact: { paths: ['apiKey', '*.apiKey', 'accounts[*].apiKey', 'adminKey', 'token', '*.token'], censor: '[redacted]' },
  };
}

export interface Logging {
  log: Logger;
  /** Banner and summary lines: always shown, in the run's format. */
  say: (msg: string, fields?: Record<string, unknown>) => void;
  /** Before exiting: everything written. */
  flush: () => void;
  format: LogFormat;
}

export function createLogging(opts: pino.LoggerOptions, format: LogFormat): Logging {
  if (format === 'pretty') {
    const dest = { write: (line: string): void => { process.stdout.write(prettyLine(line)); } };
    const log = pino(opts, dest);
    return { log, format, say: (msg) => { process.stdout.write(`${msg}\n`); }, flush: () => undefined };
  }
  const dest = pino.destination({ sync: false });
  const log = pino(opts, dest);
  const banner = pino({ ...opts, level: 'info' }, dest);
  return {
    log, format, say: (msg, fields) => banner.info(fields ?? {}, msg),
    flush: () => {
      try {
        dest.flushSync();
      } catch {
        // not ready yet (nothing written): nothing to flush
      }
    },
  };
}
