import type { GlobalOptions } from '../options.js';
import { projectOptions } from './common.js';

export async function runPort(service: string, port: number, flags: GlobalOptions & { protocol: 'tcp' | 'udp'; index?: number }): Promise<void> {
  const { publishedPort } = await import('../../api/port.js');
  const binding = await publishedPort({ ...projectOptions(flags), service, port, protocol: flags.protocol, index: flags.index });
  process.stdout.write(`${binding.hostIp}:${binding.hostPort}\n`);
}
