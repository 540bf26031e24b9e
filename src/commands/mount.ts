import { type Command, Option } from 'commander';
import { type CommandSpec, helpFor } from './spec.js';
import { internalError } from '../errors.js';

/** Repeatable flags: --table a --table b */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * A commander command from a spec. Commander only splits the command line: values are read and checked by the
 * resolver (settings.ts), so a flag and a config key are refused in the same words and all problems come at once.
 */
export function mountCommand(parent: Command, spec: CommandSpec): Command {
  const cmd = parent.command(spec.name.split(' ').pop() as string).description(spec.description);
  for (const [syntax, description] of spec.args ?? []) cmd.argument(syntax, description);
  for (const [name, o] of Object.entries(spec.options)) {
    if (!o.flag) continue;
    const opt = new Option(o.flag, helpFor(o));
    // The spec's key is the settings' key: it must be the name commander stores the flag under.
    if (opt.attributeName() !== name) throw internalError(`option ${name} of ${spec.name} has flag ${o.flag}`);
    if (o.type.kind === 'list') opt.argParser(collect);
    cmd.addOption(opt);
  }
  if (spec.help) cmd.addHelpText('after', spec.help);
  cmd.configureOutput({
    outputError: (s, write) => write(`pgsnap: ${s.replace(/^error: /, '').trim()} (see pgsnap ${spec.name} --help)\n`),
  });
  return cmd;
}

/** What the command line itself set, by option name; commander's other values are its own defaults. */
export function givenOnCommandLine(cmd: Command, spec: CommandSpec): Record<string, unknown> {
  const given: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    if (o.flag && cmd.getOptionValueSource(name) === 'cli') given[name] = cmd.getOptionValue(name);
  }
  return given;
}
