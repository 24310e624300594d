package main

import flaggerv1 "github.com/fluxcd/flagger/pkg/apis/flagger/v1beta1"

// What Flagger v1.36.1's scheduler does with a webhook's outcome (pkg/controller/scheduler.go and
// scheduler_hooks.go). Those functions are methods on the Controller, which needs a cluster, so the
// harness calls the exported CallWebhook they all call and applies their rule here:
//   - pre-rollout (runPreRolloutHooks) and rollout (runAnalysis): an error halts the advancement and
//     counts a failed check; the canary is rolled back once failed checks reach analysis.threshold.
//   - confirm-promotion (runConfirmPromotionHooks): an error halts before promotion (WaitingPromotion).
//   - rollback (runRollbackHooks): a 2xx answer ROLLS BACK; an error means "no rollback signalled".
const (
	Advance  = "advance"
	Halt     = "halt"
	Rollback = "rollback"
	Continue = "continue"
)

// schedulerPhase is the phase the scheduler passes to CallWebhook for a hook type, and whether the
// hook type is one that gates the rollout (event, post-rollout and the confirm hooks of manual
// gating are not asked by meshlog's templates).
func schedulerPhase(t flaggerv1.HookType) (flaggerv1.CanaryPhase, bool) {
	switch t {
	case flaggerv1.PreRolloutHook, flaggerv1.RolloutHook, "", flaggerv1.ConfirmPromotionHook:
		return flaggerv1.CanaryPhaseProgressing, true
	case flaggerv1.RollbackHook:
		// runRollbackHooks is called with the canary's current phase while it is Progressing,
		// Waiting or WaitingPromotion; during an analysis that is Progressing.
		return flaggerv1.CanaryPhaseProgressing, true
	}
	return "", false
}

func action(t flaggerv1.HookType, passed bool) string {
	if t == flaggerv1.RollbackHook {
		if passed {
			return Rollback
		}
		return Continue
	}
	if passed {
		return Advance
	}
	return Halt
}
