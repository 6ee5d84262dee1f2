import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseServiceAddress } from '../../shared/settings';
import { TransportError } from './stoq/endpoint';
import type { HostPort } from './stoq/transport';

/**
 * Turns a service address (`trust.example.org:9292`, `[::1]:9292`, `127.0.0.1:9292`) into an IP and port,
 * preferring IPv6 when a name has both (STOQ is IPv6 first) unless `ipv4` is false and only IPv6 is wanted.
 */
export async function resolveServiceAddress(text: string, options: { ipv4: boolean }): Promise<HostPort> {
  const parsed = parseServiceAddress(text);
  if (!parsed) throw new TransportError(`"${text}" is not an address of the form HOST:PORT`);
  if (isIP(parsed.host) !== 0) return parsed;
  let found: { address: string; family: number }[];
  try {
    found = await lookup(parsed.host, { all: true, verbatim: true });
  } catch (err) {
    throw new TransportError(`cannot resolve ${parsed.host}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const usable = found.filter((a) => a.family === 6 || options.ipv4);
  const best = usable.find((a) => a.family === 6) ?? usable[0];
  if (!best) throw new TransportError(`${parsed.host} has no ${options.ipv4 ? '' : 'IPv6 '}address`);
  return { host: best.address, port: parsed.port };
}
