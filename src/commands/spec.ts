import type { ValueType } from './values.js';

/**
 * One setting of one command, declared once: the flag that sets it, how its value is read, its built-in default
 * and the config file key that may set it instead. Help text, the config file schema and the resolver all read
 * this; nothing else repeats a default.
 */
export interface OptionSpec<T> {
  /** commander flag syntax, '--jobs <n>'; absent for a setting only the config file sets */
  readonly flag?: string;
  readonly description: string;
  readonly type: ValueType<T>;
  readonly default?: T;
  /** how help shows a default that is not a plain value ("DATABASE_URL, then PG* variables") */
  readonly defaultText?: string;
  /** dotted path in pgsnap.config.json, 'backup.jobs' */
  readonly config?: string;
  /**
   * Options of one group take their values from one place: when any of them is on the command line, the config
   * file's values for the whole group are ignored (prune's keep rules: mixing would keep what neither said).
   */
  readonly group?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the element type of each option is recovered by Settings<S>
export type OptionSpecs = { readonly [name: string]: OptionSpec<any> };

export interface CommandSpec<S extends OptionSpecs = OptionSpecs> {
  /** as typed: 'backup', 'drift check' */
  readonly name: string;
  readonly description: string;
  /** commander argument syntax and description: ['<archive>', 'archive file, "latest" or a date'] */
  readonly args?: ReadonlyArray<readonly [string, string]>;
  readonly options: S;
  /** shown after the options: what the command guarantees, and examples */
  readonly help?: string;
}

type ValueOf<O> = O extends OptionSpec<infer T> ? T : never;

/** The frozen settings an action receives: an option with a default always has a value. */
export type Settings<S extends OptionSpecs> = {
  readonly [K in keyof S]: S[K] extends { readonly default: unknown } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

/** Declare an option; the overloads keep "has a default" in the type, so settings need no `?? fallback`. */
export function option<T>(spec: Omit<OptionSpec<T>, 'default'> & { readonly default: NoInfer<T> }): OptionSpec<T> & { readonly default: T };
export function option<T>(spec: OptionSpec<T>): OptionSpec<T>;
export function option<T>(spec: OptionSpec<T>): OptionSpec<T> {
  return spec;
}

export function defineCommand<const S extends OptionSpecs>(spec: CommandSpec<S>): CommandSpec<S> {
  return spec;
}

/** The description commander shows: the spec's words, then the default and the config key, from the spec. */
export function helpFor(o: OptionSpec<unknown>): string {
  const extra: string[] = [];
  const choices = (o.type as { choices?: readonly string[] }).choices;
  if (choices) extra.push(`${choices.join('|')}`);
  const shown = o.defaultText ?? showDefault(o.default);
  if (shown !== undefined) extra.push(`default: ${shown}`);
  if (o.config) extra.push(`config: ${o.config}`);
  if (o.type.kind === 'list') extra.push('repeatable');
  return extra.length > 0 ? `${o.description} (${extra.join('; ')})` : o.description;
}

function showDefault(value: unknown): string | undefined {
  if (value === undefined || value === false) return undefined;
  if (Array.isArray(value)) return value.length > 0 ? value.join(', ') : undefined;
  return String(value);
}
