/**
 * The least time any client needs for the lifecycle bench's stacks on this dockerd: the same containers made with
 * raw Engine API calls on one keep-alive connection, every call that may overlap overlapping (network and
 * container creation all at once), and only what the dependency order forbids done in sequence (a service starts
 * once its dependencies have started, or are healthy; stops go in reverse). Used by bench/lifecycle.mjs to print
 * the best speed-up any tool could show against docker-compose.
 */
import http from 'node:http';
import { join } from 'node:path';

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function api(method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(
      { socketPath: '/var/run/docker.sock', agent, method, path, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          if (response.statusCode >= 300 && response.statusCode !== 304) reject(new Error(`${method} ${path}: ${response.statusCode} ${text}`));
          else resolve(text ? JSON.parse(text) : undefined);
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function untilHealthy(id) {
  for (;;) {
    const state = (await api('GET', `/containers/${id}/json`)).State;
    if (state.Health?.Status === 'healthy') return;
    if (!state.Running) throw new Error(`${id} stopped`);
    await sleep(10);
  }
}

/**
 * A stack: services { name: { config, after: [names], healthy: bool } }. `after` lists dependencies; `healthy`
 * says whether dependents wait for its health check.
 */
export async function floorUp(project, services) {
  const network = `${project}_default`;
  const netCreated = api('POST', '/networks/create', { Name: network, CheckDuplicate: true, Labels: { 'bench.floor': project } });
  await netCreated;
  const ids = {};
  await Promise.all(
    Object.entries(services).map(async ([name, service]) => {
      const body = {
        ...service.config,
        Labels: { 'bench.floor': project },
        HostConfig: { ...service.config.HostConfig, NetworkMode: network },
        NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [name] } } },
      };
      ids[name] = (await api('POST', `/containers/create?name=${project}-${name}-1`, body)).Id;
    }),
  );
  const ready = {};
  const start = (name) =>
    (ready[name] ??= (async () => {
      await Promise.all(services[name].after.map(start));
      await Promise.all(services[name].after.map((dep) => (services[dep].healthy ? untilHealthy(ids[dep]) : undefined)));
      await api('POST', `/containers/${ids[name]}/start`);
    })());
  await Promise.all(Object.keys(services).map(start));
  return ids;
}

export async function floorDown(project, services, ids) {
  const stopped = {};
  const dependents = (name) => Object.keys(services).filter((other) => services[other].after.includes(name));
  const stop = (name) =>
    (stopped[name] ??= (async () => {
      await Promise.all(dependents(name).map(stop));
      await api('POST', `/containers/${ids[name]}/stop?t=10`);
    })());
  await Promise.all(Object.keys(services).map(stop));
  await Promise.all(Object.values(ids).map((id) => api('DELETE', `/containers/${id}?v=1`)));
  await api('DELETE', `/networks/${project}_default`);
}

export function chainServices(length) {
  const services = {};
  for (let i = 1; i <= length; i++) {
    services[`s${i}`] = {
      config: { Image: 'flotilla-test/busybox:latest', Cmd: ['sleep', '3600'], StopSignal: 'SIGKILL' },
      after: i > 1 ? [`s${i - 1}`] : [],
      healthy: false,
    };
  }
  return services;
}

/** The nginx-node-redis example's containers, as its compose.yaml describes them. */
export function demoServices(exampleDir, port) {
  const health = (test) => ({ Test: ['CMD', ...test], Interval: 5e8, Timeout: 3e9, Retries: 60 });
  const webTest = ['bash', '-c', "exec 3<>/dev/tcp/127.0.0.1/5000 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"];
  const web = (hostname) => ({
    config: {
      Image: 'flotilla-test/node:bookworm',
      Hostname: hostname,
      Cmd: ['node', '/app/server.js'],
      Env: ['REDIS_HOST=redis', 'REDIS_PORT=6379', 'PORT=5000'],
      Healthcheck: health(webTest),
      HostConfig: { Binds: [`${join(exampleDir, 'web')}:/app:ro`], RestartPolicy: { Name: 'on-failure' } },
    },
    after: ['redis'],
    healthy: true,
  });
  return {
    redis: { config: { Image: 'flotilla-test/redis:bookworm', Healthcheck: health(['redis-cli', 'ping']) }, after: [], healthy: true },
    web1: web('web1'),
    web2: web('web2'),
    nginx: {
      config: {
        Image: 'flotilla-test/nginx:bookworm',
        ExposedPorts: { '80/tcp': {} },
        Healthcheck: health(['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/80']),
        HostConfig: {
          Binds: [`${join(exampleDir, 'nginx/default.conf')}:/etc/nginx/conf.d/default.conf:ro`],
          PortBindings: { '80/tcp': [{ HostIp: '', HostPort: String(port) }] },
        },
      },
      after: ['web1', 'web2'],
      healthy: false,
    },
  };
}

/** Times up and down of a stack with raw calls; removes what it made even on failure. */
export async function timeFloor(project, services) {
  let ids = {};
  try {
    const t0 = performance.now();
    ids = await floorUp(project, services);
    const t1 = performance.now();
    await floorDown(project, services, ids);
    const t2 = performance.now();
    ids = {};
    return { up: (t1 - t0) / 1000, down: (t2 - t1) / 1000 };
  } finally {
    await Promise.allSettled(Object.values(ids).map((id) => api('DELETE', `/containers/${id}?force=1&v=1`)));
    await api('DELETE', `/networks/${project}_default`).catch(() => {});
  }
}

