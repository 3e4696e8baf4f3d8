import { render } from 'preact';
import { App } from './app.js';
import { connect } from './shoebox.js';
import './style.css';

const root = document.getElementById('app') as HTMLElement;
connect()
  .then(({ sb, sync }) => render(<App sb={sb} sync={sync} />, root))
  .catch(() => {
    root.textContent = 'Shoebox could not be reached. Check your connection and reload.';
  });
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/demo/sw.js', { scope: '/demo/' }).catch(() => undefined);
