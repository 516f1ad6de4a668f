// The events the keeper benchmark writes (its backlog and its paced writer's): spread over the
// nodes, agents, checks, components and severities so every roll-up dimension gets rows.
import type { NewHealthEvent } from '../../lib/store';

const AGENTS = ['syslog-health-monitor', 'gpu-health-monitor', 'nic-health-monitor'];
const CHECKS = ['SysLogsXIDError', 'GpuThermalWatch', 'GpuMemWatch', 'InfiniBandStateCheck', 'GpuNvlinkWatch'];

export function backlogEvent(index: number, nodes: number): NewHealthEvent {
  return {
    nodeName: `gpu-node-${String(index % nodes).padStart(5, '0')}`,
    agent: AGENTS[index % AGENTS.length],
    checkName: CHECKS[index % CHECKS.length],
    componentClass: index % 7 === 0 ? 'NIC' : 'GPU',
    isFatal: index % 11 === 0,
    isHealthy: index % 3 === 0,
    errorCode: index % 11 === 0 ? ['79'] : [],
    entitiesImpacted: [{ entityType: 'GPU', entityValue: String(index % 8) }],
  };
}
