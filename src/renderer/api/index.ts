// The renderer's one StudioApi, chosen once at start-up: the Electron preload's `window.studio`
// when present, otherwise the browser door's WebSocket with the token from the page URL.
import type { StudioApi } from '../../shared/api';
import { connectWebSocketApi } from './ws-client';
import { connectionProblem, diagnoseRefusal } from './connection';

function chooseApi(): StudioApi {
  if (window.studio) return window.studio;
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  let opened = false;
  let diagnosed = false;
  return connectWebSocketApi(`${scheme}//${window.location.host}/ws`, token, {
    onState: (state) => {
      if (state === 'open') {
        opened = true;
        connectionProblem.value = null;
      } else if (state === 'closed' && !opened && !diagnosed) {
        diagnosed = true;
        void diagnoseRefusal(token);
      }
    },
  });
}

export const api: StudioApi = chooseApi();
export const transport: 'electron' | 'websocket' = window.studio ? 'electron' : 'websocket';
