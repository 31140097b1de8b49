import { describe, expect, it } from 'vitest';
import { createLimiter, limitEngine, resolveParallelLimit } from '../../../src/reconcile/limiter.js';
import { FakeEngine } from './fake-engine.js';

describe('limiter', () => {
  it('never runs more than the limit at once and runs everything', async () => {
    const limiter = createLimiter(2);
    let active = 0;
    let max = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        limiter.run(async () => {
          active++;
          max = Math.max(max, active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
          return i;
        }),
      ),
    );
    expect(max).toBe(2);
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('releases its slot when a task fails or throws synchronously', async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(() => { throw new Error('sync'); })).rejects.toThrow('sync');
    await expect(limiter.run(async () => 'ok')).resolves.toBe('ok');
    expect(limiter.active).toBe(0);
  });

  it('resolves the flag, then COMPOSE_PARALLEL_LIMIT, then unlimited', () => {
    expect(resolveParallelLimit(3, { COMPOSE_PARALLEL_LIMIT: '7' })).toBe(3);
    expect(resolveParallelLimit(-1, { COMPOSE_PARALLEL_LIMIT: '7' })).toBe(Infinity);
    expect(resolveParallelLimit(undefined, { COMPOSE_PARALLEL_LIMIT: '7' })).toBe(7);
    expect(resolveParallelLimit(undefined, {})).toBe(Infinity);
  });

  it('limits every engine call made through the wrapped engine', async () => {
    const fake = new FakeEngine();
    fake.delays.inspectContainer = 10;
    for (let i = 0; i < 6; i++) fake.add(`c${i}`);
    const engine = limitEngine(fake.asEngine(), createLimiter(2));
    await Promise.all([...fake.containers.keys()].map((id) => engine.inspectContainer(id)));
    expect(fake.maxActive).toBe(2);
  });
});
