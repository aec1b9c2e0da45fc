import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The web app lives in src/web and is built into dist/web, which the Vigil server
// serves itself (src/server/http/plugins/static-ui.ts). `npm run dev:web` proxies the API to a
// running server on :8080.
export default defineConfig({
  root: 'src/web',
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // One small bundle: the app must load fast on a phone over a weak connection.
    chunkSizeWarningLimit: 400,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/v2': 'http://127.0.0.1:8080', '/v1': 'http://127.0.0.1:8080' },
  },
});
