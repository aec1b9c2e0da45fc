import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { I18nRoot, initialLanguage, setLanguage } from './i18n';
import './styles.css';
import { registerServiceWorker } from './data/push';

// Before the first render: ?lang=, the language chosen on this browser, else the browser's (English when none fits).
// A catalog that cannot load leaves the page in English rather than blank.
void setLanguage(initialLanguage())
  .catch(() => {})
  .then(() =>
    createRoot(document.getElementById('root')!).render(
      <StrictMode>
        <I18nRoot>
          <App />
        </I18nRoot>
      </StrictMode>,
    ),
  );

// The service worker shows pages that arrive by Web Push (public/sw.js).
void registerServiceWorker();
