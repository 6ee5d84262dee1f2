import { NODE_EVENT_NAMES, type EventMessage, type NodeEventName, type NodeEvents } from '../../shared/api/contract';
import type { TypedEvents } from '../events';

function forward<E extends NodeEventName>(
  events: TypedEvents<NodeEvents>,
  event: E,
  listener: (message: EventMessage) => void,
): () => void {
  // For one event E the pair is EventMessage<E>; TypeScript cannot see that through the generic, hence the cast.
  return events.on(event, (payload) => listener({ event, payload } as unknown as EventMessage));
}

/** Every node event as one typed message stream, for the carriers that push events to UIs. Returns unsubscribe. */
export function onEveryEvent(events: TypedEvents<NodeEvents>, listener: (message: EventMessage) => void): () => void {
  const offs = NODE_EVENT_NAMES.map((event) => forward(events, event, listener));
  return () => {
    for (const off of offs) off();
  };
}
