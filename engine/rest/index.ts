export { startRestServer, type RestServerOptions } from './rest-server.js';
