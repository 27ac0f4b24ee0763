// One subscription to the services' pushed events for the whole page, fanned out to the stores.
import type { StudioEvent } from '../../shared/api';
import { api } from './index';

type Listener = (e: StudioEvent) => void;
const listeners = new Set<Listener>();
let unsubscribe: (() => void) | null = null;

export function onStudioEvent(listener: Listener): () => void {
  listeners.add(listener);
  if (!unsubscribe) {
    unsubscribe = api.subscribe((e) => {
      for (const l of listeners) {
        try {
          l(e);
        } catch (err) {
          console.error('event listener failed', err);
        }
      }
    });
  }
  return () => listeners.delete(listener);
}
