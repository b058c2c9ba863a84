// Starts the web app (a file of its own: the Content-Security-Policy allows no inline script).
import init from '/pkg/frontend.js';
init({ module_or_path: '/pkg/frontend_bg.wasm' });
