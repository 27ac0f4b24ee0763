// A tiny hash router: "#/runs", "#/new", "#/sweep", "#/sweeps/3", "#/run/12", "#/compare?ids=1,2&group=1".
// Hash routes work from file:// (Electron) and from the browser door's static server alike.
import { ref, readonly } from 'vue';

export type Route =
  | { name: 'runs' }
  | { name: 'new' }
  | { name: 'sweep' }
  | { name: 'sweep-page'; id: number }
  | { name: 'run'; id: number; tab: 'curves' | 'spectra' }
  | { name: 'compare'; ids: number[]; group?: boolean };

export function parseHash(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'new') return { name: 'new' };
  if (parts[0] === 'sweep') return { name: 'sweep' };
  if (parts[0] === 'sweeps' && Number(parts[1]) > 0) return { name: 'sweep-page', id: Number(parts[1]) };
  if (parts[0] === 'run' && Number(parts[1]) > 0) {
    return { name: 'run', id: Number(parts[1]), tab: parts[2] === 'spectra' ? 'spectra' : 'curves' };
  }
  if (parts[0] === 'compare') {
    const ids = (params.get('ids') ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
    return params.get('group') === '1' ? { name: 'compare', ids, group: true } : { name: 'compare', ids };
  }
  return { name: 'runs' };
}

export function routeHash(r: Route): string {
  switch (r.name) {
    case 'run':
      return `#/run/${r.id}${r.tab === 'spectra' ? '/spectra' : ''}`;
    case 'compare':
      return `#/compare?ids=${r.ids.join(',')}${r.group ? '&group=1' : ''}`;
    case 'sweep-page':
      return `#/sweeps/${r.id}`;
    default:
      return `#/${r.name}`;
  }
}

const current = ref<Route>(parseHash(window.location.hash));
window.addEventListener('hashchange', () => {
  current.value = parseHash(window.location.hash);
});

export const route = readonly(current);

export function navigate(r: Route): void {
  const hash = routeHash(r);
  if (window.location.hash === hash) current.value = parseHash(hash);
  else window.location.hash = hash;
}
