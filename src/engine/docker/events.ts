/** The daemon's event stream, narrowed to the object types the engine reports. */
import type { EngineEvent, EventOptions } from '../types.js';
import { filtersParam, labelFilterValues } from './filters.js';
import { closing, guarded, jsonLines } from './streams.js';
import type { DockerTransport, Json } from './transport.js';

export async function* engineEvents(api: DockerTransport, options: EventOptions = {}): AsyncGenerator<EngineEvent> {
  const what = 'events';
  const stream = await api.stream({
    method: 'GET',
    path: '/events',
    query: {
      filters: filtersParam({ label: labelFilterValues(options.labels), type: options.types ?? [] }),
      // Docker takes seconds with a fraction.
      since: options.since !== undefined ? (options.since / 1000).toFixed(3) : undefined,
      until: options.until !== undefined ? (options.until / 1000).toFixed(3) : undefined,
    },
    signal: options.signal,
    what,
  });
  const messages = guarded(jsonLines<Json>(stream), options.signal, (err) => api.mapError(err, what));
  for await (const m of closing(messages, stream)) {
    const type = m.Type ?? m.type;
    if (type !== 'container' && type !== 'network' && type !== 'volume' && type !== 'image') continue;
    yield {
      type,
      action: m.Action ?? m.status ?? '',
      id: m.Actor?.ID ?? m.id ?? '',
      attributes: m.Actor?.Attributes ?? {},
      time: m.timeNano ? Math.floor(m.timeNano / 1_000_000) : (m.time ?? 0) * 1000,
    };
  }
}
