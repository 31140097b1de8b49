/**
 * The pure parts of the Stack API, no engine needed: which services a stack waits for and how, unique names, the
 * ephemeral label, the address a published port is reached at, and the event feed.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Project, Service } from '../../src/model/types.js';
import { StackEventEmitter, type StackEvent } from '../../src/stack/events.js';
import { autoProjectName, isOwnerGone, parseEphemeralLabel, ephemeralLabelValue } from '../../src/stack/isolation.js';
import { hostAddress } from '../../src/stack/ports.js';
import { readinessTargets } from '../../src/stack/readiness.js';

function service(name: string, fields: Partial<Service> = {}): Service {
  return { name, image: 'img', ...fields } as Service;
}

function project(services: Service[]): Project {
  return {
    name: 'p', working_dir: '/w', compose_files: ['/w/compose.yaml'], services: Object.fromEntries(services.map((s) => [s.name, s])),
    networks: {}, volumes: {}, secrets: {}, configs: {}, disabled_services: {}, profiles: [], environment: {},
  };
}

const dep = (condition: 'service_started' | 'service_healthy' | 'service_completed_successfully') => ({ condition, restart: false, required: true });

describe('readinessTargets', () => {
  const model = project([
    service('db'),
    service('migrate', { depends_on: { db: dep('service_healthy') } }),
    service('api', { depends_on: { migrate: dep('service_completed_successfully'), db: dep('service_started') } }),
    service('docs'),
    service('worker', { scale: 0 }),
  ]);

  it('waits for one-shots to complete and for everything else to run, skipping scale 0', () => {
    expect([...readinessTargets(model)]).toEqual([
      ['api', 'running_or_healthy'], ['db', 'running_or_healthy'], ['docs', 'running_or_healthy'],
      ['migrate', 'service_completed_successfully'],
    ]);
  });

  it('takes the selected services with what they depend on', () => {
    expect([...readinessTargets(model, ['api']).keys()]).toEqual(['api', 'db', 'migrate']);
    expect([...readinessTargets(model, ['db']).keys()]).toEqual(['db']);
  });
});

describe('isolation', () => {
  it('names projects <base>-<6 random characters>, valid for compose', () => {
    const names = new Set(Array.from({ length: 200 }, () => autoProjectName('My App.v2')));
    expect(names.size).toBe(200);
    for (const name of names) expect(name).toMatch(/^myappv2-[a-z0-9]{6}$/);
    expect(autoProjectName('___')).toMatch(/^stack-[a-z0-9]{6}$/);
  });

  it('writes and reads the ephemeral label, and judges owners', () => {
    expect(ephemeralLabelValue()).toBe(`${process.pid}@${hostname()}`);
    expect(parseEphemeralLabel('123@build-7')).toEqual({ pid: 123, host: 'build-7' });
    expect(parseEphemeralLabel('nonsense')).toBeUndefined();
    expect(isOwnerGone({ pid: process.pid, host: hostname() })).toBe(false);
    expect(isOwnerGone({ pid: 2 ** 22 + 1, host: hostname() })).toBe(true); // above pid_max: never a process
    expect(isOwnerGone({ pid: 2 ** 22 + 1, host: 'another-host' })).toBe(false); // not ours to judge
  });
});

describe('hostAddress', () => {
  it('reaches wildcard bindings on loopback and keeps explicit ones', () => {
    const port = (hostIp: string) => ({ containerPort: 80, protocol: 'tcp' as const, hostIp, hostPort: 1 });
    expect(hostAddress(port('0.0.0.0'))).toBe('127.0.0.1');
    expect(hostAddress(port(''))).toBe('127.0.0.1');
    expect(hostAddress(port('::'))).toBe('[::1]');
    expect(hostAddress(port('127.0.0.2'))).toBe('127.0.0.2');
    expect(hostAddress(port('fd00::1'))).toBe('[fd00::1]');
  });
});

describe('StackEventEmitter', () => {
  it('delivers typed events to listeners and iterators, queueing what arrives while the consumer is busy', async () => {
    const emitter = new StackEventEmitter();
    const warnings: string[] = [];
    const stop = emitter.on('warning', (event) => warnings.push(event.message));
    const controller = new AbortController();
    const iterated: StackEvent[] = [];
    const consuming = (async () => {
      for await (const event of emitter.iterate(controller.signal)) {
        iterated.push(event);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (iterated.length === 3) controller.abort();
      }
    })();
    await Promise.resolve();
    emitter.emit({ type: 'warning', message: 'one' });
    emitter.emit({ type: 'ready', service: 's', container: 'c', state: 'Running', time: 1 });
    stop();
    emitter.emit({ type: 'warning', message: 'two' });
    await consuming;
    expect(warnings).toEqual(['one']);
    expect(iterated.map((e) => e.type)).toEqual(['warning', 'ready', 'warning']);
  });
});
