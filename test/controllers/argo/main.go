// argo-metric runs Argo Rollouts' own web metric provider (v1.8.3) against a live meshlog.
//
// It reads an AnalysisTemplate (a YAML file, which may hold several documents), turns it into an
// AnalysisRun with Argo's own factory (args merged and resolved as the controller does), resolves
// each metric's {{args.*}} with Argo's own resolver, points the metric's URL at the live meshlog
// (scheme, host and port replaced, path and query kept), runs webmetric.Provider.Run and prints one
// JSON object per metric: the measurement phase (Successful, Failed, Inconclusive, Error) and value.
//
//	argo-metric --template FILE --meshlog http://127.0.0.1:43001 [--arg name=value]...
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	log "github.com/sirupsen/logrus"

	"github.com/argoproj/argo-rollouts/metricproviders/webmetric"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	analysisutil "github.com/argoproj/argo-rollouts/utils/analysis"
	"github.com/argoproj/argo-rollouts/utils/defaults"

	"meshlog.dev/test/controllers/argo/live"
)

type argList []string

func (a *argList) String() string     { return strings.Join(*a, ",") }
func (a *argList) Set(v string) error { *a = append(*a, v); return nil }

// result is what the tests read: the phase Argo's analysis controller would record for one measurement.
type result struct {
	Metric          string `json:"metric"`
	TemplateURL     string `json:"templateUrl"`
	URL             string `json:"url"`
	Phase           string `json:"phase"`
	Value           string `json:"value"`
	Message         string `json:"message,omitempty"`
	FailureLimit    string `json:"failureLimit,omitempty"`
	InconclusiveLim string `json:"inconclusiveLimit,omitempty"`
	// ConsecutiveErr is the limit the analysis controller applies (Argo's default when the template sets none):
	// that many Error measurements in a row error the whole metric, and so the rollout step.
	ConsecutiveErr int32 `json:"consecutiveErrorLimit"`
}

func main() {
	templatePath := flag.String("template", "", "YAML file holding the AnalysisTemplate (other documents are skipped)")
	meshlog := flag.String("meshlog", "", "base URL of the live meshlog; replaces the scheme, host and port of each web metric URL")
	var args argList
	flag.Var(&args, "arg", "name=value for an AnalysisTemplate arg, as a Rollout's analysis step passes it (repeatable)")
	flag.Parse()
	if *templatePath == "" || *meshlog == "" {
		fail("usage: argo-metric --template FILE --meshlog URL [--arg name=value]...")
	}

	tmpl, err := live.ReadAnalysisTemplate(*templatePath)
	if err != nil {
		fail(err.Error())
	}
	runArgs := make([]v1alpha1.Argument, 0, len(args))
	for _, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok {
			fail(fmt.Sprintf("--arg %q is not name=value", a))
		}
		runArgs = append(runArgs, v1alpha1.Argument{Name: name, Value: &value})
	}
	run, err := analysisutil.NewAnalysisRunFromTemplates([]*v1alpha1.AnalysisTemplate{tmpl}, nil, runArgs, nil, nil, nil, nil, "meshlog-harness", "", tmpl.Namespace)
	if err != nil {
		fail("building the AnalysisRun: " + err.Error())
	}

	out := make([]result, 0, len(run.Spec.Metrics))
	for _, m := range run.Spec.Metrics {
		if m.Provider.Web == nil {
			continue
		}
		resolved, err := analysisutil.ResolveMetricArgs(m, run.Spec.Args)
		if err != nil {
			fail(fmt.Sprintf("resolving the args of metric %s: %v", m.Name, err))
		}
		r := result{Metric: resolved.Name, TemplateURL: resolved.Provider.Web.URL}
		if resolved.FailureLimit != nil {
			r.FailureLimit = resolved.FailureLimit.String()
		}
		if resolved.InconclusiveLimit != nil {
			r.InconclusiveLim = resolved.InconclusiveLimit.String()
		}
		r.ConsecutiveErr = defaults.GetConsecutiveErrorLimitOrDefault(resolved)
		r.URL, err = live.Retarget(resolved.Provider.Web.URL, *meshlog)
		if err != nil {
			fail(err.Error())
		}
		resolved.Provider.Web.URL = r.URL
		measurement := measure(run, *resolved)
		r.Phase, r.Value, r.Message = string(measurement.Phase), measurement.Value, measurement.Message
		out = append(out, r)
	}
	if len(out) == 0 {
		fail("the AnalysisTemplate has no web metric")
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(map[string]any{"measurements": out}); err != nil {
		fail(err.Error())
	}
}

// measure builds the provider exactly as Argo's provider factory does for a `web` metric and runs it once.
func measure(run *v1alpha1.AnalysisRun, metric v1alpha1.Metric) v1alpha1.Measurement {
	logger := log.New()
	logger.SetOutput(os.Stderr)
	logCtx := log.NewEntry(logger).WithField("metric", metric.Name)
	client, err := webmetric.NewWebMetricHttpClient(metric)
	if err != nil {
		fail("web metric client: " + err.Error())
	}
	parser, err := webmetric.NewWebMetricJsonParser(metric)
	if err != nil {
		fail("web metric jsonPath: " + err.Error())
	}
	return webmetric.NewWebMetricProvider(*logCtx, client, parser).Run(run, metric)
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "argo-metric:", msg)
	os.Exit(2)
}
