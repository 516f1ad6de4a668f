// The recommended actions NVSentinel's fault-remediation has a maintenance resource for, as its
// chart ships them (lalitadithya/NVSentinel @ 42672ae, distros/kubernetes/nvsentinel/charts/
// fault-remediation/values.yaml:48-89, maintenance.actions): COMPONENT_RESET, RESTART_VM and
// RESTART_BM (a RebootNode), REPLACE_VM (a TerminateNode). fault-remediation looks the event's
// effective action up in that map (fault-remediation/pkg/common/equivalence_groups.go:63-74; for
// CUSTOM the customRecommendedAction, data-models/pkg/model/health_event_extentions.go:46-55). An
// action not there (CONTACT_SUPPORT, RUN_FIELDDIAG, ...) is unsupported: it stores
// faultremediated=false and labels a node in its live quarantine remediation-failed
// (fault-remediation/pkg/reconciler/reconciler.go:225-314, 1105-1109, 1182-1198); NONE is skipped
// (234-243). A deployment may configure other actions; the console cannot read the chart's values
// and takes the chart's own. The simulated fault-remediation makes these resources too.

export const CHART_REMEDIATION_ACTIONS = ['COMPONENT_RESET', 'RESTART_VM', 'RESTART_BM', 'REPLACE_VM'] as const;
export type ChartRemediationAction = (typeof CHART_REMEDIATION_ACTIONS)[number];

/** Whether fault-remediation, as the chart configures it, has a maintenance resource for `action`. */
export function isChartRemediationAction(action: string): action is ChartRemediationAction {
  return (CHART_REMEDIATION_ACTIONS as readonly string[]).includes(action);
}
