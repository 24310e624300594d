// flagger-webhook calls Flagger's own webhook code (pkg/controller.CallWebhook, v1.36.1) against a
// live meshlog, for every webhook of a Canary, and prints what Flagger's scheduler does with the answer.
//
// It reads the Canary from a (multi-document) YAML file, decoded into Flagger's own type, points
// each webhook URL at the live meshlog (scheme, host and port replaced, path kept), and calls
// CallWebhook with the phase the scheduler passes for that hook type. CallWebhook builds the
// payload (name, namespace, phase, checksum, metadata), POSTs it with Flagger's retrying client and
// returns an error for any status above 202. What the scheduler then does is in action.go.
//
//	flagger-webhook --canary FILE --meshlog http://127.0.0.1:43001
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	flaggerv1 "github.com/fluxcd/flagger/pkg/apis/flagger/v1beta1"
	"github.com/fluxcd/flagger/pkg/controller"
)

type result struct {
	Webhook     string `json:"webhook"`
	Type        string `json:"type"`
	TemplateURL string `json:"templateUrl"`
	URL         string `json:"url"`
	Phase       string `json:"phase"`
	Passed      bool   `json:"passed"`
	Action      string `json:"action"`
	Error       string `json:"error,omitempty"`
}

func main() {
	canaryPath := flag.String("canary", "", "YAML file holding the Flagger Canary (other documents are skipped)")
	meshlog := flag.String("meshlog", "", "base URL of the live meshlog; replaces the scheme, host and port of each webhook URL")
	flag.Parse()
	if *canaryPath == "" || *meshlog == "" {
		fail("usage: flagger-webhook --canary FILE --meshlog URL")
	}
	canary, err := readCanary(*canaryPath)
	if err != nil {
		fail(err.Error())
	}
	analysis := canary.GetAnalysis()
	if analysis == nil {
		fail("the Canary has no analysis")
	}
	out := []result{}
	for _, w := range analysis.Webhooks {
		phase, judged := schedulerPhase(w.Type)
		if !judged {
			continue
		}
		r := result{Webhook: w.Name, Type: string(w.Type), TemplateURL: w.URL, Phase: string(phase)}
		if r.Type == "" {
			r.Type = string(flaggerv1.RolloutHook)
		}
		if w.URL, err = retarget(w.URL, *meshlog); err != nil {
			fail(err.Error())
		}
		r.URL = w.URL
		callErr := controller.CallWebhook(*canary, phase, w)
		r.Passed = callErr == nil
		if callErr != nil {
			r.Error = callErr.Error()
		}
		r.Action = action(w.Type, r.Passed)
		out = append(out, r)
	}
	if len(out) == 0 {
		fail("the Canary has no pre-rollout, rollout, confirm-promotion or rollback webhook")
	}
	if err := json.NewEncoder(os.Stdout).Encode(map[string]any{"webhooks": out}); err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "flagger-webhook:", msg)
	os.Exit(2)
}
