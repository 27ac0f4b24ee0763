// Renderer entry: one Pinia, one App, the API chosen once (api/index.ts).
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import './styles.css';

createApp(App).use(createPinia()).mount('#app');
