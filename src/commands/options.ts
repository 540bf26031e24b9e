import { InvalidArgumentError } from 'commander';
import { PgsnapError } from '../errors.js';

/** Repeatable flags: --table a --table b */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

export function positiveNumber(value: string): number {
  const n = wholeNumber(value);
  if (n < 1) throw new InvalidArgumentError('expected a number ≥ 1');
  return n;
}

export function notImplemented(command: string): never {
  throw new PgsnapError('not_implemented', `pgsnap ${command} is not implemented yet`, {
    hint: 'see the README for the commands that work today',
  });
}
