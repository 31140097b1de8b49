/** The embedded engine's networking: bridge networks, endpoints, names, published ports. */
export { createNetworkManager, NetworkManager } from './manager.js';
export type { AttachRequest, NetworkManagerOptions } from './manager.js';
export type { Attachment } from './view.js';
export { writeHosts, writeResolvConf, hostsText, resolvConfText } from './etc-files.js';
export type { HostsOptions, ResolvConfOptions } from './etc-files.js';
