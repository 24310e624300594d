// Package live reads the shipped AnalysisTemplate and points it at a live meshlog.
package live

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// ReadAnalysisTemplate returns the first AnalysisTemplate in a (multi-document) YAML file, decoded
// strictly into Argo's own type so that a field the controller would not know is an error here too.
func ReadAnalysisTemplate(path string) (*v1alpha1.AnalysisTemplate, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	docs := utilyaml.NewDocumentDecoder(io.NopCloser(bytes.NewReader(raw)))
	buf := make([]byte, len(raw)+1)
	for {
		n, err := docs.Read(buf)
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s holds no AnalysisTemplate", path)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		var head struct{ Kind string }
		if err := yaml.Unmarshal(buf[:n], &head); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if head.Kind != "AnalysisTemplate" {
			continue
		}
		var t v1alpha1.AnalysisTemplate
		if err := yaml.UnmarshalStrict(buf[:n], &t); err != nil {
			return nil, fmt.Errorf("%s: the AnalysisTemplate does not decode as Argo Rollouts' type: %w", path, err)
		}
		return &t, nil
	}
}

// Retarget keeps the path and query of a metric URL (what the template asks meshlog) and replaces
// its scheme, host and port (the in-cluster Service) with the live meshlog's base URL.
func Retarget(metricURL, base string) (string, error) {
	u, err := url.Parse(metricURL)
	if err != nil {
		return "", fmt.Errorf("the metric URL %q does not parse: %w", metricURL, err)
	}
	b, err := url.Parse(base)
	if err != nil || b.Host == "" {
		return "", fmt.Errorf("--meshlog %q is not a base URL", base)
	}
	u.Scheme, u.Host = b.Scheme, b.Host
	return u.String(), nil
}
