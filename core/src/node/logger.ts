import type { Logger } from '../common/plugin.js';

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LEVELS)[number];

export function parseLogLevel(value: string | undefined, fallback: LogLevel = 'info'): LogLevel {
  return (LEVELS as readonly string[]).includes(value ?? '') ? (value as LogLevel) : fallback;
}

/** Line-oriented logger on stderr, so stdout stays clean for `--json` output. */
export class StreamLogger implements Logger {
  constructor(
    private readonly level: LogLevel = 'info',
    private readonly prefix = 'ra',
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {}

  child(name: string): StreamLogger {
    return new StreamLogger(this.level, `${this.prefix}:${name}`, this.write);
  }

  error(message: string): void {
    this.log('error', message);
  }
  warn(message: string): void {
    this.log('warn', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  debug(message: string): void {
    this.log('debug', message);
  }

  private log(level: LogLevel, message: string): void {
    if (LEVELS.indexOf(level) <= LEVELS.indexOf(this.level)) this.write(`[${this.prefix}] ${level}: ${message}\n`);
  }
}
