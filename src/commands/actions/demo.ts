import { runDemo } from '../../demo.js';
import type { Action } from '../context.js';
import type { DEMO } from '../options.js';

export const demo: Action<typeof DEMO> = async (settings, ctx) => runDemo({ major: settings.pg, logger: ctx.logger, out: ctx.stdout, cli: ctx.cli });
