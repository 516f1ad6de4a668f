// Whether an event belongs to its node's live quarantine session, as fault-remediation asks the API
// server before it marks an unsupported action failed (lalitadithya/NVSentinel @ 42672ae,
// fault-remediation/pkg/reconciler/reconciler.go:316-353, 811-887): the node read directly (not
// from a cache), its quarantineHealthEvent annotation parsed (a list, or one object in the old
// format), and the event matched by id when both have one, else by fault-quarantine's own key
// (agent, component class, check, node and an impacted entity in common).
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

import { QUARANTINE_ANNOTATIONS } from '../../nvsentinel/kubernetes-keys';
import type { HealthEventWithStatus } from '../../store';

interface TrackedEvent {
  id?: string;
  agent?: string;
  componentClass?: string;
  checkName?: string;
  nodeName?: string;
  entitiesImpacted?: { entityType?: string; entityValue?: string }[];
}

function trackedOf(annotation: string | undefined): TrackedEvent[] {
  if (!annotation) return [];
  try {
    const parsed = JSON.parse(annotation) as unknown;
    return (Array.isArray(parsed) ? parsed : [parsed]).filter(
      (item): item is TrackedEvent => typeof item === 'object' && item !== null,
    );
  } catch {
    return [];
  }
}

export class LiveQuarantine {
  private readonly api: CoreV1Api;

  constructor(config: KubeConfig) {
    this.api = config.makeApiClient(CoreV1Api);
  }

  /** False also when the node is gone (NotFound is "no active quarantine"). */
  async contains(event: HealthEventWithStatus): Promise<boolean> {
    const { healthEvent } = event;
    const node = await this.api.readNode({ name: healthEvent.nodeName }).catch((error: { code?: number }) => {
      if (error.code === 404) return undefined;
      throw error;
    });
    const entities = new Set(
      healthEvent.entitiesImpacted.map((entity) => `${entity.entityType}:${entity.entityValue}`),
    );
    return trackedOf(node?.metadata?.annotations?.[QUARANTINE_ANNOTATIONS.healthEvents]).some((tracked) => {
      if (tracked.id && healthEvent.id) return tracked.id === healthEvent.id;
      const trackedEntities = (tracked.entitiesImpacted ?? []).map(
        (entity) => `${entity.entityType ?? ''}:${entity.entityValue ?? ''}`,
      );
      return (
        (tracked.agent ?? '') === healthEvent.agent &&
        (tracked.componentClass ?? '') === healthEvent.componentClass &&
        (tracked.checkName ?? '') === healthEvent.checkName &&
        (tracked.nodeName ?? '') === healthEvent.nodeName &&
        (entities.size === 0 ? trackedEntities.length === 0 : trackedEntities.some((entity) => entities.has(entity)))
      );
    });
  }
}
