import type { Config } from '../config.js';
import { PgsnapError } from '../errors.js';
import type { CommandSpec, OptionSpec, OptionSpecs, Settings } from './spec.js';
import { valueProblem } from './values.js';

export type Source = 'command line' | 'config file' | 'default';

export interface Resolved<S extends OptionSpecs> {
  readonly settings: Settings<S>;
  /** where each setting came from, for the rare rule that depends on it (drift's --json vs a config format) */
  readonly sources: Readonly<Record<keyof S, Source>>;
}

/**
 * Apply precedence once — command line > config file > built-in default — and read every value, from a flag or
 * from the config file, with the option's one value type. Every problem is collected into one error: `usage`
 * when a flag is wrong, else `config`.
 *
 * `given` holds only what the command line set, by option name (commander's values whose source is the command
 * line). `earlier` carries problems found before (a config file that does not load), so they are reported together.
 */
export function resolveSettings<S extends OptionSpecs>(
  spec: CommandSpec<S>,
  given: Readonly<Record<string, unknown>>,
  config: Config,
  earlier: readonly string[] = [],
): Resolved<S> {
  const entries = Object.entries(spec.options) as [string, OptionSpec<unknown>][];
  const groupsOnCommandLine = new Set(entries.filter(([name, o]) => o.group && name in given).map(([, o]) => o.group));
  const settings: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};
  const flagProblems: string[] = [];
  const configProblems: string[] = [];
  for (const [name, o] of entries) {
    const fromConfig = o.config && !(o.group && groupsOnCommandLine.has(o.group)) ? lookup(config, o.config) : undefined;
    let raw: unknown = o.default;
    let source: Source = 'default';
    if (name in given) [raw, source] = [given[name], 'command line'];
    else if (fromConfig !== undefined) [raw, source] = [fromConfig, 'config file'];
    if (source === 'default') {
      // a default list is shared by every resolution: frozen, so no action can change another's default
      settings[name] = Array.isArray(o.default) ? Object.freeze(o.default) : o.default;
    } else {
      const problem = valueProblem(o.type, raw, source === 'command line' ? flagName(o) : (o.config as string));
      if (problem === undefined) settings[name] = o.type.parse(raw);
      else (source === 'command line' ? flagProblems : configProblems).push(problem);
    }
    sources[name] = source;
  }
  const inConfig = configProblems.length > 0 ? [`${config.file ?? 'config'}: ${configProblems.join('; ')}`] : [];
  const problems = [...flagProblems, ...earlier, ...inConfig];
  if (problems.length > 0) {
    throw new PgsnapError(flagProblems.length > 0 ? 'usage' : 'config', problems.join('; '), { hint: `see pgsnap ${spec.name} --help` });
  }
  return { settings: Object.freeze(settings) as Settings<S>, sources: Object.freeze(sources) as Record<keyof S, Source> };
}

/** '--jobs <n>' → '--jobs' */
function flagName(o: OptionSpec<unknown>): string {
  return (o.flag ?? '').split(/[ ,]/)[0] ?? '';
}

function lookup(config: Config, dotted: string): unknown {
  let at: unknown = config;
  for (const key of dotted.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
