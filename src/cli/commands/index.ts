import type { Command } from 'commander';
import { defineUp } from './up.js';
import { defineCreate } from './create.js';
import { defineStart } from './start.js';
import { defineStop } from './stop.js';
import { defineRestart } from './restart.js';
import { defineRm } from './rm.js';
import { defineDown } from './down.js';
import { definePs } from './ps.js';
import { definePlan } from './plan.js';
import { defineConfig } from './config.js';
import { observeDefinitions } from './observe.js';
import { defineBuild } from './build.js';
import { definePull } from './pull.js';
import { definePush } from './push.js';
import { defineReap } from './reap.js';
import { defineImage } from './image.js';

/**
 * Every command's definition (name, arguments, flags). Definitions import nothing heavy: each action imports its
 * implementation when it runs.
 */
const definitions: Array<(program: Command) => void> = [
  defineUp, defineCreate, defineStart, defineStop, defineRestart, defineRm, defineDown, definePs, definePlan,
  defineConfig, ...observeDefinitions,
  defineBuild, definePull, definePush, defineReap, defineImage,
];

export function registerCommands(program: Command): void {
  for (const define of definitions) define(program);
}
