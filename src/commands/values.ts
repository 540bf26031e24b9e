import { parsePattern, type TablePattern } from '../patterns.js';

/**
 * How one setting's value is read. The same `parse` reads the string a flag gives and the JSON value a config file
 * gives, so `--jobs 0` and `"backup": { "jobs": 0 }` are refused with the same words. `parse` throws an Error whose
 * message says what was expected; the resolver collects those messages.
 */
export interface ValueType<T> {
  /** 'value' takes an argument, 'list' is repeatable (--table a --table b), 'switch' takes none */
  readonly kind: 'value' | 'list' | 'switch';
  /** what is expected, for messages: "a whole number ≥ 1" */
  readonly expected: string;
  parse(raw: unknown): T;
}

/** A value that is not what the setting expects; the resolver words it for the flag or the config key. */
class UnexpectedValue extends Error {
  constructor(
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`expected ${expected}, not ${JSON.stringify(got)}`);
  }
}

function refuse(expected: string, got: unknown): never {
  throw new UnexpectedValue(expected, got);
}

export const text: ValueType<string> = {
  kind: 'value',
  expected: 'a string',
  parse: (raw) => (typeof raw === 'string' && raw.trim() !== '' ? raw : (typeof raw === 'string' ? refuse('a non-empty string', raw) : refuse('a string', raw))),
};

/** Whole numbers from min to max: a flag gives digits, a config file a JSON number. */
export function wholeNumber(min = 0, max = Number.MAX_SAFE_INTEGER): ValueType<number> {
  const expected = max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`;
  return {
    kind: 'value',
    expected,
    parse: (raw) => {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
      return Number.isSafeInteger(n) && n >= min && n <= max ? n : refuse(expected, raw);
    },
  };
}

export function oneOf<const C extends readonly string[]>(choices: C): ValueType<C[number]> & { readonly choices: C } {
  const expected = `one of ${choices.join(', ')}`;
  return {
    kind: 'value',
    expected,
    choices,
    parse: (raw) => (typeof raw === 'string' && choices.includes(raw) ? (raw as C[number]) : refuse(expected, raw)),
  };
}

/** A repeatable flag, or a JSON list in the config file; every element is read by `element`. */
export function listOf<T>(element: ValueType<T>): ValueType<readonly T[]> {
  const expected = `a list of ${element.expected.replace(/^an? /, '')}s`;
  return {
    kind: 'list',
    expected,
    parse: (raw) => {
      if (!Array.isArray(raw)) refuse(expected, raw);
      return Object.freeze(raw.map((v) => element.parse(v)));
    },
  };
}

export const onOff: ValueType<boolean> = {
  kind: 'switch',
  expected: 'true or false',
  parse: (raw) => (typeof raw === 'boolean' ? raw : refuse('true or false', raw)),
};

/** `schema.table`, `table` or a glob; kept as text where the library takes text, parsed where it takes patterns. */
export const tablePattern: ValueType<TablePattern> = {
  kind: 'value',
  expected: 'a table pattern',
  parse: (raw) => (typeof raw === 'string' ? parsePattern(raw) : refuse('a table pattern (schema.table, table or a glob)', raw)),
};

export const tablePatternText: ValueType<string> = {
  kind: 'value',
  expected: 'a table pattern',
  parse: (raw) => tablePattern.parse(raw).source,
};

/** What --shadow accepts; the drift code turns it into a ShadowSpec. */
export const shadowPlace: ValueType<string> = {
  kind: 'value',
  expected: 'embedded, docker or a postgres:// URL',
  parse: (raw) =>
    typeof raw === 'string' && (raw === 'embedded' || raw === 'docker' || /^postgres(ql)?:\/\//i.test(raw))
      ? raw
      : refuse('embedded, docker or a postgres:// URL', raw),
};

/** Why `raw` is not a value of `type`, as a sentence about `name`: --jobs must be a whole number ≥ 1 ("0" is invalid). */
export function valueProblem(type: ValueType<unknown>, raw: unknown, name: string): string | undefined {
  try {
    type.parse(raw);
    return undefined;
  } catch (e) {
    if (e instanceof UnexpectedValue) return `${name} must be ${e.expected} (${JSON.stringify(e.got)} is invalid)`;
    return `${name}: ${(e as Error).message}`;
  }
}
