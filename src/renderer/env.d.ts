// Types the renderer needs from its hosts: .vue modules, and the preload's window.studio.
import type { StudioApi } from '../shared/api';

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

declare global {
  interface Window {
    /** Set by the Electron preload (contextBridge); absent in the browser door. */
    studio?: StudioApi;
  }
}

export {};
