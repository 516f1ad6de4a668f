// Health event documents in exactly the shape NVSentinel's platform connector writes to MongoDB
// (Go driver defaults: lowercase keys, zero values present, nil lists/maps/pointers as null,
// int32 enums, {seconds: int64, nanos: int32}, createdAt a BSON Date, an ObjectId _id), and the
// status fields its pipeline modules set later. The status at insert is the proto
// HealthEventStatus the connector builds (platform-connectors/pkg/connectors/store/
// store_connector.go:216-225: only UserPodsEvictionStatus and SpanIds set) as the driver encodes
// its fields (data-models/pkg/protos/health_event.pb.go:223-231): nodequarantined "", every
// timestamp and faultremediated null, userpodsevictionstatus {status: "", message: ""}
// (health_event.pb.go:170-176).
import { Long, ObjectId, type Document } from 'mongodb';

let sequence = 0;

export interface NvsentinelDocumentOptions {
  node: string;
  check?: string;
  fatal?: boolean;
  healthy?: boolean;
  action?: number;
  entities?: { entitytype: string; entityvalue: string }[] | null;
  createdAt?: Date;
  generatedSeconds?: number;
  agent?: string;
  componentClass?: string;
  message?: string;
  status?: Document;
  metadata?: Record<string, string>;
  /** int64 seconds as the driver returns them with promoteLongs off (Long), or as numbers. */
  longSeconds?: boolean;
}

export function nvsentinelDocument(options: NvsentinelDocumentOptions): Document {
  sequence += 1;
  const created = options.createdAt ?? new Date(Date.UTC(2025, 10, 21, 4, 0, sequence));
  const seconds = options.generatedSeconds ?? Math.floor(created.getTime() / 1000);
  return {
    _id: new ObjectId(`65f0000000000000${sequence.toString(16).padStart(8, '0')}`),
    createdAt: created,
    healthevent: {
      version: 1,
      agent: options.agent ?? 'syslog-health-monitor',
      componentclass: options.componentClass ?? 'GPU',
      checkname: options.check ?? 'SysLogsXIDError',
      isfatal: options.fatal ?? true,
      ishealthy: options.healthy ?? false,
      message: options.message ?? `event ${sequence}`,
      recommendedaction: options.action ?? 24,
      errorcode: options.healthy ? null : ['79'],
      entitiesimpacted: options.entities === undefined ? [{ entitytype: 'GPU', entityvalue: '3' }] : options.entities,
      metadata: options.metadata ?? { trace_id: `trace-${sequence}` },
      generatedtimestamp: { seconds: options.longSeconds ? Long.fromNumber(seconds) : seconds, nanos: 125_000_000 },
      nodename: options.node,
      quarantineoverrides: null,
      drainoverrides: null,
      processingstrategy: 1,
      id: `00000000-0000-4000-8000-${sequence.toString().padStart(12, '0')}`,
      customrecommendedaction: '',
    },
    healtheventstatus: {
      nodequarantined: '',
      quarantinefinishtimestamp: null,
      userpodsevictionstatus: { status: '', message: '' },
      drainfinishtimestamp: null,
      faultremediated: null,
      lastremediationtimestamp: null,
      spanids: { 'platform-connector': `span-${sequence}` },
      ...options.status,
    },
  };
}
