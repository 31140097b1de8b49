/** Networks as the Engine interface sees them. */

export interface IpamPool {
  subnet?: string;
  ipRange?: string;
  gateway?: string;
  auxAddresses?: Record<string, string>;
}

export interface NetworkSpec {
  name: string;
  driver?: string;
  driverOpts?: Record<string, string>;
  labels?: Record<string, string>;
  internal?: boolean;
  attachable?: boolean;
  enableIpv6?: boolean;
  enableIpv4?: boolean;
  ipam?: { driver?: string; config?: IpamPool[]; options?: Record<string, string> };
}

export interface NetworkSummary {
  id: string;
  name: string;
  driver: string;
  scope: string;
  internal: boolean;
  labels: Record<string, string>;
  created: number;
}

export interface NetworkDetails extends NetworkSummary {
  driverOpts: Record<string, string>;
  enableIpv6: boolean;
  attachable: boolean;
  ipam: { driver: string; config: IpamPool[]; options: Record<string, string> };
  /** Container id → its endpoint. */
  containers: Record<string, { name: string; ipv4Address?: string; macAddress?: string }>;
}

export interface ConnectOptions {
  aliases?: string[];
  ipv4Address?: string;
  ipv6Address?: string;
  linkLocalIps?: string[];
  macAddress?: string;
  driverOpts?: Record<string, string>;
  links?: string[];
}
