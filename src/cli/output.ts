/** A fixed-width table, for terminal output. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = [
    headers,
    ...rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : String(cell)))),
  ];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => (cell ?? '').padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Progress on long work, on stderr when it is a terminal (one line, rewritten), silent otherwise. */
export function progress(label: string) {
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    update(done: number, total?: number) {
      if (!tty || Date.now() - last < 100) return;
      last = Date.now();
      process.stderr.write(`\r${label}: ${done}${total === undefined ? '' : `/${total}`}`);
    },
    done() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

export type Cell = string | number | boolean | null | undefined;

/**
 * Where a command's results go: to people as lines and tables, or (`--json`) to scripts as one JSON document on
 * stdout when the command ends: `{ "<table>": [{ "<heading in camelCase>": value }], "<value>": …, "messages": [] }`.
 */
export interface Output {
  /** A line for people; in JSON, one of the document's `messages`. */
  say(line: string): void;
  /** Rows under column headings; in JSON, `name`: one object per row, keyed by the headings in camelCase. */
  table(name: string, headers: readonly string[], rows: readonly (readonly Cell[])[]): void;
  /** A value for scripts; people see `text` (nothing if false), or the value as indented JSON without one. */
  value(name: string, value: unknown, text?: string | false): void;
  /** Ends the output: the JSON document is written then. */
  end(): void;
}

export function camelCase(heading: string): string {
  return heading.replace(/[^a-zA-Z0-9]+(.)/g, (_, next: string) => next.toUpperCase());
}

export function textOutput(write: (line: string) => void): Output {
  return {
    say: write,
    table: (_, headers, rows) => write(table(headers, rows)),
    value: (_, value, text) => {
      if (text !== false) write(text ?? JSON.stringify(value, null, 2));
    },
    end: () => undefined,
  };
}

export function jsonOutput(write: (line: string) => void): Output {
  const document: Record<string, unknown> = {};
  const messages: string[] = [];
  return {
    say: (line) => messages.push(line),
    table(name, headers, rows) {
      const keys = headers.map(camelCase);
      document[name] = rows.map((row) =>
        Object.fromEntries(
          keys.map((key, column) => [key, row[column] === '' ? null : (row[column] ?? null)]),
        ),
      );
    },
    value(name, value) {
      document[name] = value;
    },
    end: () => write(JSON.stringify({ ...document, messages })),
  };
}

/** The option every command takes, as each command's --help lists it. */
export const jsonOptionHelp =
  '  --json    one JSON document on stdout, for scripts (an error: one JSON line on stderr)';
