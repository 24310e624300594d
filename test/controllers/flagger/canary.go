package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"

	flaggerv1 "github.com/fluxcd/flagger/pkg/apis/flagger/v1beta1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// readCanary returns the first Flagger Canary in a (multi-document) YAML file, decoded strictly
// into Flagger's own type so that a field Flagger would not know is an error here too.
func readCanary(path string) (*flaggerv1.Canary, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	docs := utilyaml.NewDocumentDecoder(io.NopCloser(bytes.NewReader(raw)))
	buf := make([]byte, len(raw)+1)
	for {
		n, err := docs.Read(buf)
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s holds no Canary", path)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		var head struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal(buf[:n], &head); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if head.Kind != "Canary" || head.APIVersion != flaggerv1.SchemeGroupVersion.String() {
			continue
		}
		var c flaggerv1.Canary
		if err := yaml.UnmarshalStrict(buf[:n], &c); err != nil {
			return nil, fmt.Errorf("%s: the Canary does not decode as Flagger's type: %w", path, err)
		}
		return &c, nil
	}
}

// retarget keeps the path and query of a webhook URL and replaces its scheme, host and port (the
// in-cluster Service) with the live meshlog's base URL.
func retarget(hookURL, base string) (string, error) {
	u, err := url.Parse(hookURL)
	if err != nil {
		return "", fmt.Errorf("the webhook URL %q does not parse: %w", hookURL, err)
	}
	b, err := url.Parse(base)
	if err != nil || b.Host == "" {
		return "", fmt.Errorf("--meshlog %q is not a base URL", base)
	}
	u.Scheme, u.Host = b.Scheme, b.Host
	return u.String(), nil
}
