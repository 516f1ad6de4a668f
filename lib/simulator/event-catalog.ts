// What the simulated monitors report, weighted to look like a real fleet: mostly healthy
// heartbeats and recoveries, some non-fatal warnings, occasional fatal faults. Checks, agents,
// XID codes and recommended actions are NVSentinel's (see nvsentinel-data-model.md).
import type { RecommendedAction } from '../store';

export interface FaultKind {
  agent: string;
  checkName: string;
  componentClass: 'GPU' | 'NIC' | 'NODE';
  /** Relative frequency among faults. */
  weight: number;
  /** Share of occurrences that are fatal. */
  fatalShare: number;
  recommendedAction: RecommendedAction;
  entityType: 'GPU' | 'NIC' | 'NODE';
  /** Codes drawn for the event (XIDs for XID checks). */
  errorCodes?: readonly string[];
  message: (code: string | undefined, entity: string) => string;
}

/** XIDs seen in production, with what NVSentinel recommends for them. */
export const XID_CODES = ['13', '31', '48', '63', '74', '79', '94', '95'] as const;

export const FAULT_KINDS: readonly FaultKind[] = [
  {
    agent: 'syslog-health-monitor',
    checkName: 'SysLogsXIDError',
    componentClass: 'GPU',
    weight: 30,
    fatalShare: 0.35,
    recommendedAction: 'RESTART_BM',
    entityType: 'GPU',
    errorCodes: XID_CODES,
    message: (code, gpu) => `XID ${code} reported on GPU ${gpu}`,
  },
  {
    agent: 'syslog-health-monitor',
    checkName: 'SysLogsSXIDError',
    componentClass: 'GPU',
    weight: 5,
    fatalShare: 0.2,
    recommendedAction: 'CONTACT_SUPPORT',
    entityType: 'GPU',
    errorCodes: ['12028', '20034'],
    message: (code, gpu) => `NVSwitch SXID ${code} near GPU ${gpu}`,
  },
  {
    agent: 'syslog-health-monitor',
    checkName: 'SysLogsGPUFallenOff',
    componentClass: 'GPU',
    weight: 2,
    fatalShare: 1,
    recommendedAction: 'RESTART_BM',
    entityType: 'GPU',
    errorCodes: ['79'],
    message: (_, gpu) => `GPU ${gpu} has fallen off the bus`,
  },
  {
    agent: 'gpu-health-monitor',
    checkName: 'GpuThermalWatch',
    componentClass: 'GPU',
    weight: 20,
    fatalShare: 0.05,
    recommendedAction: 'COMPONENT_RESET',
    entityType: 'GPU',
    message: (_, gpu) => `GPU ${gpu} temperature above slowdown threshold`,
  },
  {
    agent: 'gpu-health-monitor',
    checkName: 'GpuPowerWatch',
    componentClass: 'GPU',
    weight: 10,
    fatalShare: 0.05,
    recommendedAction: 'COMPONENT_RESET',
    entityType: 'GPU',
    message: (_, gpu) => `GPU ${gpu} power draw outside limits`,
  },
  {
    agent: 'gpu-health-monitor',
    checkName: 'GpuNvlinkWatch',
    componentClass: 'GPU',
    weight: 8,
    fatalShare: 0.3,
    recommendedAction: 'RESTART_VM',
    entityType: 'GPU',
    message: (_, gpu) => `NVLink errors on GPU ${gpu}`,
  },
  {
    agent: 'gpu-health-monitor',
    checkName: 'GpuPcieWatch',
    componentClass: 'GPU',
    weight: 8,
    fatalShare: 0.25,
    recommendedAction: 'RESTART_BM',
    entityType: 'GPU',
    message: (_, gpu) => `PCIe replay count rising on GPU ${gpu}`,
  },
  {
    agent: 'gpu-health-monitor',
    checkName: 'GpuMemWatch',
    componentClass: 'GPU',
    weight: 8,
    fatalShare: 0.4,
    recommendedAction: 'RUN_FIELDDIAG',
    entityType: 'GPU',
    message: (_, gpu) => `Uncorrectable ECC errors on GPU ${gpu}`,
  },
  {
    agent: 'gpu-health-monitor',
    checkName: 'GpuDcgmConnectivityFailure',
    componentClass: 'NODE',
    weight: 2,
    fatalShare: 0,
    recommendedAction: 'NONE',
    entityType: 'NODE',
    message: () => 'DCGM host engine unreachable',
  },
  {
    agent: 'nic-health-monitor',
    checkName: 'InfiniBandStateCheck',
    componentClass: 'NIC',
    weight: 5,
    fatalShare: 0.3,
    recommendedAction: 'RESTART_VM',
    entityType: 'NIC',
    message: (_, nic) => `InfiniBand port ${nic} down`,
  },
  {
    agent: 'nic-health-monitor',
    checkName: 'EthernetStateCheck',
    componentClass: 'NIC',
    weight: 2,
    fatalShare: 0.1,
    recommendedAction: 'UNKNOWN',
    entityType: 'NIC',
    message: (_, nic) => `Ethernet link ${nic} flapping`,
  },
];
