/**
 * Completing recreates that a killed run left half-done. A recreate creates the new container under a temporary
 * name (`<old id 12>_<final name>`), stops and removes the old one, then renames the new one. Killed in between,
 * the next run finds the up-to-date container under its temporary name (and maybe the old one still holding the
 * final name). The planner keeps it (its configuration is current); this adds the missing rename, and makes every
 * rename wait for the removal of whichever container still holds the target name.
 *
 * This belongs in the planner (reconcile.ts); it lives here until the planner does it itself, and does nothing
 * once the planner plans these renames.
 */
import type { ContainerSummary } from '../engine/types.js';
import type { Project } from '../model/types.js';
import { Label } from '../reconcile/labels.js';
import { containerName, type NamingOptions } from '../reconcile/names.js';
import type { ObservedState } from '../reconcile/observe.js';
import type { Operation, Plan } from '../reconcile/plan.js';

const TEMPORARY = /^[0-9a-f]{12}_(.+)$/;

export function finishInterruptedRecreates(plan: Plan, observed: ObservedState, project: Project, naming?: NamingOptions): Plan {
  const ops: Operation[] = plan.operations.map((op) => ({ ...op, dependsOn: [...op.dependsOn] }) as Operation);
  const removed = new Map<string, number>(); // container id → its RemoveContainer op
  const renamed = new Set<string>(); // container ids the plan renames already
  for (const op of ops) {
    if (op.kind === 'RemoveContainer' && op.container.id) removed.set(op.container.id, op.id);
    if (op.kind === 'RenameContainer' && op.container.id) renamed.add(op.container.id);
  }
  const byName = new Map(observed.containers.map((c) => [c.name, c]));
  const removalOf = (name: string): number[] => {
    const holder = byName.get(name);
    const op = holder ? removed.get(holder.id) : undefined;
    return op !== undefined ? [op] : [];
  };

  for (const c of observed.containers) {
    const finalName = expectedName(c, project, naming);
    if (!finalName || removed.has(c.id) || renamed.has(c.id) || TEMPORARY.exec(c.name)?.[1] !== finalName) continue;
    const holder = byName.get(finalName);
    if (holder && !removed.has(holder.id)) continue; // the final name is taken by a container the plan keeps: leave both
    const service = c.labels[Label.service]!;
    ops.push({
      kind: 'RenameContainer', id: ops.length + 1, resource: `service:${service}:${c.labels[Label.containerNumber]}`,
      dependsOn: removalOf(finalName), reason: 'finish an interrupted recreate', service,
      container: { id: c.id, name: c.name }, newName: finalName,
    });
  }
  // a rename must come after the removal of the container that holds its target name, whatever the id order
  for (const op of ops) {
    if (op.kind !== 'RenameContainer') continue;
    for (const dep of removalOf(op.newName)) if (dep !== op.id && !op.dependsOn.includes(dep)) op.dependsOn.push(dep);
  }
  return { ...plan, operations: ops };
}

function expectedName(c: ContainerSummary, project: Project, naming?: NamingOptions): string | undefined {
  if (c.labels[Label.oneoff] === 'True') return undefined;
  const service = project.services[c.labels[Label.service] ?? ''];
  const number = Number(c.labels[Label.containerNumber]);
  if (!service || !Number.isInteger(number)) return undefined;
  return containerName(project, service, number, naming);
}
