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
    // The app must load fast on a phone over a weak connection: the entry file holds what the dashboard
    // needs, the other screens are their own files loaded on demand (src/web/app/App.tsx, docs/benchmarks.md).
    chunkSizeWarningLimit: 400,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/v2': 'http://127.0.0.1:8080', '/v1': 'http://127.0.0.1:8080' },
  },
});
