/** The "run and observe" commands, registered together (each defined in its own file beside this one). */
import type { Command } from 'commander';
import { defineAttach } from './attach.js';
import { defineCompletion } from './completion.js';
import { defineCp } from './cp.js';
import { defineEvents } from './events.js';
import { defineExec } from './exec.js';
import { defineImages } from './images.js';
import { defineKill } from './kill.js';
import { defineLogs } from './logs.js';
import { defineLs } from './ls.js';
import { definePause } from './pause.js';
import { definePort } from './port.js';
import { defineRun } from './run.js';
import { defineStats } from './stats.js';
import { defineTop } from './top.js';
import { defineVersion } from './version.js';
import { defineWait } from './wait.js';

export const observeDefinitions: Array<(program: Command) => void> = [
  defineLogs, defineExec, defineRun, definePort, defineTop, defineImages, defineLs, defineEvents, defineWait, defineCp,
  defineKill, definePause, defineAttach, defineStats, defineVersion, defineCompletion,
];
