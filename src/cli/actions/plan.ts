import { renderPlanJson, renderPlanText } from '../../reconcile/plan.js';
import type { GlobalOptions } from '../options.js';
import { projectOptions } from './common.js';
import { imageOptions, parseScale, type ImageFlags } from './up.js';

interface PlanFlags extends ImageFlags {
  format: 'text' | 'json';
  forceRecreate?: boolean;
  recreate?: boolean;
  deps?: boolean;
  alwaysRecreateDeps?: boolean;
  renewAnonVolumes?: boolean;
  start?: boolean;
  removeOrphans?: boolean;
  wait?: boolean;
  scale: string[];
}

export async function runPlan(services: string[], flags: GlobalOptions & PlanFlags): Promise<void> {
  const { plan } = await import('../../api/commands.js');
  const result = await plan({
    ...projectOptions(flags),
    services,
    forceRecreate: flags.forceRecreate,
    noRecreate: flags.recreate === false,
    noDeps: flags.deps === false,
    alwaysRecreateDeps: flags.alwaysRecreateDeps,
    renewAnonVolumes: flags.renewAnonVolumes,
    noStart: flags.start === false,
    removeOrphans: flags.removeOrphans,
    wait: flags.wait,
    scale: parseScale(flags.scale),
    ...imageOptions(flags),
  });
  process.stdout.write((flags.format === 'json' ? renderPlanJson(result) : renderPlanText(result)) + '\n');
}
