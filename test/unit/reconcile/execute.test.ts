import { describe, expect, it } from 'vitest';
import { executePlan, ExecutionError, runPlan } from '../../../src/reconcile/execute.js';
import type { ExecutionEvent } from '../../../src/reconcile/events.js';
import { Label } from '../../../src/reconcile/labels.js';
import { PlanBuilder, type Plan } from '../../../src/reconcile/plan.js';
import type { WaitConditionKind } from '../../../src/reconcile/plan.js';
import { FakeEngine } from './fake-engine.js';

const P = 'ft-unit';

/** create + start for one service; returns the start op id. */
function service(b: PlanBuilder, name: string, after: number[] = []): { create: number; start: number } {
  const cname = `${P}-${name}-1`;
  const create = b.add({
    kind: 'CreateContainer', resource: `service:${name}:1`, dependsOn: after, reason: 'missing', service: name, number: 1,
    name: cname, spec: { name: cname, image: 'img', labels: { [Label.project]: P, [Label.configHash]: name, [Label.containerNumber]: '1' } },
  });
  const start = b.add({
    kind: 'StartContainer', resource: `service:${name}:1`, dependsOn: [create], reason: 'not running', service: name,
    container: { name: cname, createdBy: create },
  });
  return { create, start };
}

function wait(b: PlanBuilder, svc: { create: number; start: number }, name: string, condition: WaitConditionKind,
  required = true): number {
  return b.add({
    kind: 'WaitCondition', resource: `service:${name}`, dependsOn: [svc.start], reason: 'depends_on', service: name,
    condition, required, dependent: 'app', containers: [{ name: `${P}-${name}-1`, createdBy: svc.create }],
  });
}

describe('executePlan', () => {
  it('runs operations after their dependencies, independent ones concurrently, ids resolved from creates', async () => {
    const fake = new FakeEngine();
    fake.delays.createContainer = 20;
    const b = new PlanBuilder(P);
    const net = b.add({ kind: 'CreateNetwork', resource: 'network:default', dependsOn: [], reason: 'missing', key: 'default', spec: { name: `${P}_default` } });
    service(b, 'a', [net]);
    service(b, 'b', [net]);
    const events: ExecutionEvent[] = [];
    const result = await executePlan(fake.asEngine(), b.build(), { onEvent: (e) => events.push(e) });
    expect(result.completed).toHaveLength(5);
    expect(fake.calls[0]).toBe(`createNetwork ${P}_default`);
    expect(fake.maxActive).toBe(2); // both creates in flight together
    const started = fake.calls.filter((c) => c.startsWith('startContainer')).map((c) => c.split(' ')[1]);
    expect(started.sort()).toEqual([...fake.containers.values()].map((c) => c.id).sort());
    expect(events.filter((e) => e.state === 'done').map((e) => `${e.resource} ${e.text}`)).toContain(`Container ${P}-a-1 Started`);
  });

  it('holds to --parallel 1 across all calls', async () => {
    const fake = new FakeEngine();
    const b = new PlanBuilder(P);
    for (const s of ['a', 'b', 'c', 'd']) service(b, s);
    await executePlan(fake.asEngine(), b.build(), { parallel: 1 });
    expect(fake.maxActive).toBe(1);
  });

  it('stops scheduling on the first failure, lets calls in flight finish and reports what did not run', async () => {
    const fake = new FakeEngine();
    fake.failWith = (method, arg) => (method === 'createContainer' && arg === `${P}-a-1` ? new Error('no space left') : undefined);
    const b = new PlanBuilder(P);
    const a = service(b, 'a');
    const slow = service(b, 'b');
    const plan = b.build();
    // b's create is slower than a's failure: it must still complete, but b's start must not run
    const engine = fake.asEngine();
    const original = engine.createContainer.bind(engine);
    engine.createContainer = async (spec) => {
      if (spec.name === `${P}-b-1`) await new Promise((r) => setTimeout(r, 40));
      return original(spec);
    };
    const error = (await executePlan(engine, plan).catch((e: unknown) => e)) as ExecutionError;
    expect(error).toBeInstanceOf(ExecutionError);
    expect(error.message).toBe('no space left');
    expect(error.exitCode).toBe(1);
    expect(error.result.completed).toEqual([slow.create]);
    expect(error.result.failed.map((f) => f.operation)).toEqual([a.create]);
    expect(error.result.notRun.sort()).toEqual([a.start, slow.start].sort());
    expect([...fake.containers.values()].map((c) => c.name)).toEqual([`${P}-b-1`]);
  });

  it('on abort finishes the calls in flight, starts nothing more and exits 130', async () => {
    const fake = new FakeEngine();
    fake.delays.createContainer = 50;
    const b = new PlanBuilder(P);
    const a = service(b, 'a');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    const error = (await executePlan(fake.asEngine(), b.build(), { signal: controller.signal }).catch((e: unknown) => e)) as ExecutionError;
    expect(error.exitCode).toBe(130);
    expect(error.result.interrupted).toBe(true);
    expect(error.result.completed).toEqual([a.create]);
    expect(error.result.notRun).toEqual([a.start]);
    expect(fake.containers.size).toBe(1);
  });

  it('starts a dependent only once its dependency is healthy', async () => {
    const fake = new FakeEngine();
    fake.onStart = (c) => {
      if (!c.name.includes('-db-')) return;
      c.health = { status: 'starting', failingStreak: 0, log: [] };
      setTimeout(() => (c.health = { status: 'healthy', failingStreak: 0, log: [] }), 80);
    };
    const b = new PlanBuilder(P);
    const db = service(b, 'db');
    const w = wait(b, db, 'db', 'service_healthy');
    service(b, 'app', [w]);
    const t0 = Date.now();
    await executePlan(fake.asEngine(), b.build(), { pollMs: 10 });
    const app = [...fake.containers.values()].find((c) => c.name.includes('-app-'))!;
    expect(app.startedAt! - t0).toBeGreaterThanOrEqual(75);
  });

  it('fails fast naming an unhealthy dependency; an optional one only warns', async () => {
    for (const required of [true, false]) {
      const fake = new FakeEngine();
      fake.onStart = (c) => {
        if (c.name.includes('-db-')) c.health = { status: 'unhealthy', failingStreak: 3, log: [] };
      };
      const b = new PlanBuilder(P);
      const db = service(b, 'db');
      const w = wait(b, db, 'db', 'service_healthy', required);
      const app = service(b, 'app', [w]);
      const result = await runPlan(fake.asEngine(), b.build(), { pollMs: 10 });
      if (required) {
        expect(result.failed[0]?.error.message).toBe(`dependency failed to start: container ${P}-db-1 is unhealthy`);
        expect(result.notRun).toContain(app.create);
      } else {
        expect(result.failed).toEqual([]);
        expect(result.completed).toContain(app.start);
        expect(result.warnings[0]).toContain('optional dependency "db"');
      }
    }
  });

  it('fails with the exit code of a service_completed_successfully job', async () => {
    const fake = new FakeEngine();
    fake.onStart = (c) => {
      if (c.name.includes('-job-')) setTimeout(() => Object.assign(c, { state: 'exited', exitCode: 3 }), 20);
    };
    const b = new PlanBuilder(P);
    const job = service(b, 'job');
    const w = wait(b, job, 'job', 'service_completed_successfully');
    service(b, 'app', [w]);
    const error = (await executePlan(fake.asEngine(), b.build(), { pollMs: 5 }).catch((e: unknown) => e)) as ExecutionError;
    expect(error.message).toBe(`service "job" didn't complete successfully: exit 3`);
    expect(error.exitCode).toBe(3);
  });

  it('bounds waits with the wait timeout', async () => {
    const fake = new FakeEngine();
    fake.onStart = (c) => void (c.health = { status: 'starting', failingStreak: 0, log: [] });
    const b = new PlanBuilder(P);
    const web = service(b, 'web');
    b.add({ kind: 'WaitCondition', resource: 'service:web', dependsOn: [web.start], reason: '--wait', service: 'web',
      condition: 'running_or_healthy', required: true, containers: [{ name: `${P}-web-1`, createdBy: web.create }] });
    const error = await executePlan(fake.asEngine(), b.build(), { pollMs: 5, waitTimeoutMs: 1000 }).catch((e: Error) => e);
    expect((error as Error).message).toBe('application not healthy after 1s');
  });

  it('adopts a container of the same project and config left by an interrupted create', async () => {
    const fake = new FakeEngine();
    const left = fake.add(`${P}-a-1`, 'created', { [Label.project]: P, [Label.configHash]: 'a', [Label.containerNumber]: '1' });
    const b = new PlanBuilder(P);
    service(b, 'a');
    const result = await executePlan(fake.asEngine(), b.build());
    expect([...result.createdContainers.values()]).toEqual([left.id]);
    expect(left.state).toBe('running');
    expect(fake.containers.size).toBe(1);
  });

  it('refuses a name clash with a container that is not ours', async () => {
    const fake = new FakeEngine();
    fake.add(`${P}-a-1`, 'running', { other: 'yes' });
    const b = new PlanBuilder(P);
    service(b, 'a');
    await expect(executePlan(fake.asEngine(), b.build())).rejects.toThrow(/already in use/);
  });

  it('removes a duplicate network left by a create that raced ours, keeping the oldest', async () => {
    const fake = new FakeEngine();
    fake.networks.push({ id: 'older', name: `${P}_default`, created: 1 });
    const b = new PlanBuilder(P);
    b.add({ kind: 'CreateNetwork', resource: 'network:default', dependsOn: [], reason: 'missing', key: 'default', spec: { name: `${P}_default` } });
    await executePlan(fake.asEngine(), b.build());
    expect(fake.networks.map((n) => n.id)).toEqual(['older']);
  });

  it('treats already-removed containers as removed (re-running after a kill converges)', async () => {
    const fake = new FakeEngine();
    const b = new PlanBuilder(P);
    b.add({ kind: 'StopContainer', resource: 'service:a:1', dependsOn: [], reason: 'orphan', service: 'a', container: { name: 'gone', id: 'gone' } });
    b.add({ kind: 'RemoveContainer', resource: 'service:a:1', dependsOn: [1], reason: 'orphan', service: 'a', container: { name: 'gone', id: 'gone' }, removeVolumes: false, force: false });
    const plan: Plan = b.build();
    const result = await executePlan(fake.asEngine(), plan);
    expect(result.completed).toEqual([1, 2]);
  });
});
