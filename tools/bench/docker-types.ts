/** The parts of `docker inspect` output the benchmark reads (Engine API >= 1.41). */

export interface HealthConfig {
  Test?: string[] | null;
  /** Nanoseconds. */
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface ContainerInspect {
  Id: string;
  /** "/name" */
  Name: string;
  /** Image id (sha256:…). */
  Image: string;
  State: {
    Status: string;
    /** RFC 3339 with nanoseconds. */
    StartedAt: string;
    /** Log: the last five probes, oldest first. */
    Health?: { Status: string; Log?: { Start: string; End: string; ExitCode: number }[] | null };
  };
  Config: {
    Hostname: string;
    Domainname?: string;
    User: string;
    Env: string[] | null;
    Cmd: string[] | null;
    Entrypoint: string[] | null;
    Image: string;
    WorkingDir: string;
    Labels: Record<string, string> | null;
    Healthcheck?: HealthConfig;
    StopSignal?: string;
    StopTimeout?: number;
    Tty?: boolean;
    OpenStdin?: boolean;
  };
  HostConfig: {
    PortBindings: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    RestartPolicy: { Name: string; MaximumRetryCount: number };
    LogConfig: { Type: string; Config: Record<string, string> | null };
    Memory: number;
    MemorySwap: number;
    MemoryReservation: number;
    NanoCpus: number;
    CpuShares: number;
    PidsLimit: number | null;
    CapAdd: string[] | null;
    CapDrop: string[] | null;
    Privileged: boolean;
    ReadonlyRootfs: boolean;
    Init: boolean | null;
    SecurityOpt: string[] | null;
    Tmpfs?: Record<string, string> | null;
    /** Mounts as created (tmpfs ones carry their size and mode here only). */
    Mounts?: { Type: string; Target: string; TmpfsOptions?: { SizeBytes?: number; Mode?: number } }[] | null;
    ExtraHosts: string[] | null;
    Dns: string[] | null;
    DnsSearch: string[] | null;
    DnsOptions: string[] | null;
    GroupAdd: string[] | null;
    ShmSize: number;
    Sysctls?: Record<string, string> | null;
    Ulimits: { Name: string; Soft: number; Hard: number }[] | null;
    [key: string]: unknown;
  };
  Mounts: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean }[];
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null; NetworkID: string }> };
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[] | null;
  Config: {
    Env: string[] | null;
    Cmd: string[] | null;
    Entrypoint: string[] | null;
    User: string;
    WorkingDir: string;
    Labels: Record<string, string> | null;
    StopSignal?: string;
  };
}

export interface NetworkInspect {
  Name: string;
  Driver: string;
  Internal: boolean;
  Attachable: boolean;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Config: { Subnet?: string; Gateway?: string; IPRange?: string }[] | null };
  Options: Record<string, string> | null;
  Labels: Record<string, string> | null;
}

export interface VolumeInspect {
  Name: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
}
