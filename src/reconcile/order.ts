/**
 * Dependency order of services: `depends_on` edges only (the loader adds the implicit ones for links, shared
 * namespaces and volumes_from). Orders are deterministic: among ready services, names sort.
 */
import { FlotillaError } from '../errors.js';

/** service → the services it depends on. */
export type DependencyGraph = Record<string, string[]>;

/** Dependencies before dependents. Edges to services outside the graph are ignored. Throws on a cycle. */
export function dependencyOrder(graph: DependencyGraph): string[] {
  const names = Object.keys(graph).sort();
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < names.length) {
    const ready = names.filter(
      (name) => !done.has(name) && graph[name]!.every((dep) => done.has(dep) || !(dep in graph)),
    );
    if (ready.length === 0) throw new FlotillaError(`dependency cycle detected: ${findCycle(graph, names.filter((n) => !done.has(n)))}`);
    for (const name of ready) {
      done.add(name);
      order.push(name);
    }
  }
  return order;
}

/** Dependents before dependencies: the order to stop and remove in. */
export function reverseDependencyOrder(graph: DependencyGraph): string[] {
  return dependencyOrder(graph).reverse();
}

/** The services and everything they depend on, transitively. */
export function withDependencies(graph: DependencyGraph, services: string[]): Set<string> {
  const out = new Set<string>();
  const visit = (name: string): void => {
    if (out.has(name) || !(name in graph)) return;
    out.add(name);
    for (const dep of graph[name]!) visit(dep);
  };
  for (const name of services) visit(name);
  return out;
}

/** The services and everything that depends on them, transitively. */
export function withDependents(graph: DependencyGraph, services: string[]): Set<string> {
  const out = new Set<string>();
  const visit = (name: string): void => {
    if (out.has(name)) return;
    out.add(name);
    for (const [other, deps] of Object.entries(graph)) if (deps.includes(name)) visit(other);
  };
  for (const name of services) visit(name);
  return out;
}

function findCycle(graph: DependencyGraph, remaining: string[]): string {
  // Walk from the first remaining service along remaining edges until a service repeats.
  const left = new Set(remaining);
  const path: string[] = [];
  let current = remaining[0]!;
  while (!path.includes(current)) {
    path.push(current);
    current = graph[current]!.filter((d) => left.has(d)).sort()[0]!;
  }
  return [...path.slice(path.indexOf(current)), current].join(' -> ');
}
