// Whether the page reached the services. The browser door needs the token `sam-studio serve`
// printed; without it the WebSocket is refused, and the browser does not say why, so the page
// asks the HTTP API, which answers 401 with the reason, and shows that instead of an empty list.
import { ref } from 'vue';

export interface ConnectionProblem {
  title: string;
  detail: string;
}

export const connectionProblem = ref<ConnectionProblem | null>(null);

/** Called when the socket closed before it ever opened: find out why from /api/info. */
export async function diagnoseRefusal(token: string): Promise<void> {
  if (!token) {
    connectionProblem.value = {
      title: 'This page needs its access token',
      detail: 'Open the full address that `sam-studio serve` (or `npm run serve`) printed: it ends in ?token=…',
    };
    return;
  }
  try {
    const res = await fetch('api/info', { headers: { 'x-sam-token': token } });
    if (res.status === 401 || res.status === 403) {
      const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      connectionProblem.value = {
        title: 'The server refused this page’s token',
        detail: `${body?.error?.message ?? `HTTP ${res.status}`}. The token changes each time the server starts: open the address it printed last.`,
      };
    }
  } catch {
    connectionProblem.value = { title: 'SAM Studio is not reachable', detail: 'The server stopped or the network is down; start `sam-studio serve` again and open the address it prints.' };
  }
}
