package deploy_test

// These tests read the deployment files (docker-compose*.yml, k8s/*.yaml,
// grafana/*.json) and check them against the worker itself: its metric names
// (worker/metrics.go), its environment variables (the env tags of
// worker/config.go, queue/config.go and storage/config.go), its configuration
// parser (worker.LoadConfig), its pool sizes (xdna.NewPools) and what the
// FROM-scratch images contain (the Dockerfiles the Makefile builds).
//
// Every check is a function returning the problems it found, so
// TestChecksCatchMistakes can break a copy of the real files and make sure
// the check notices.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/worker"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// Paths, relative to this package's directory.
const (
	repoRoot        = ".."
	k8sDir          = "k8s"
	dashboardPath   = "grafana/xdna-worker-dashboard.json"
	composePath     = "../docker-compose.yml"
	composeOverride = "../docker-compose.local.yml"
)

// drainMargin is what a worker needs after SHUTDOWN_TIMEOUT before it
// exits: flushing acks and naks and closing its HTTP server (up to 5 s),
// with room to spare. Grace periods must cover SHUTDOWN_TIMEOUT plus this.
const drainMargin = 10 * time.Second

// The Deployment's memory is sized for XDNA_DEVICE=cpu with Whisper base,
// the heaviest case of the ConfigMap (README.md, "Whisper models", and
// docs/whisper.md, "Memory").
const (
	baseWeightsBytes = 290 << 20 // ggml-base weights as float32
	baseState        = 512       // n_audio_state = n_text_state
	baseLayers       = 6         // decoder layers
	audioCtx         = 1500      // encoder frames per window
	textCtx          = 448       // decoder positions
	runtimeHeadroom  = 64 << 20  // Go runtime, HTTP, NATS and S3 clients
	spoolBytesPerSec = 64000     // decoded 16 kHz float32 spool per second of audio
)

// perSetBytes is the working memory of one buffer set on the cpu device:
// an encoder workspace (≈ 12·n_ctx·d floats) and a decoder's self- and
// cross-attention K/V caches.
const perSetBytes = 4 * (12*audioCtx*baseState + (textCtx+audioCtx)*baseState*2*baseLayers)

// goRuntimeEnv are environment variables the Go runtime (not the worker's
// configuration) reads; manifests may set them.
var goRuntimeEnv = map[string]bool{"GOMEMLIMIT": true, "GOMAXPROCS": true, "GOGC": true, "GODEBUG": true}

// externalAlertMetrics are the only series alerts may use besides the
// worker's own: Prometheus's scrape health and kube-state-metrics's
// Deployment status (the worker exports no readiness series).
var externalAlertMetrics = map[string]bool{
	"up":                            true,
	"kube_deployment_spec_replicas": true,
	"kube_deployment_status_replicas_available": true,
}

// scrapeLabels are target labels Prometheus adds to every series.
var scrapeLabels = map[string]bool{"instance": true, "job": true, "namespace": true, "pod": true, "container": true, "endpoint": true, "service": true, "node": true}

// ---------------------------------------------------------------------------
// What the worker really has.

type metricInfo struct {
	labels      []string
	labelsKnown bool
	histogram   bool
}

type facts struct {
	metrics     map[string]metricInfo
	env         map[string]bool     // every env tag
	imageFiles  map[string][]string // local image → paths its Dockerfile COPYs
	imageUser   map[string]string   // local image → USER
	commands    map[string]bool     // cmd/<name> binaries `make build` produces
	workerImage string              // the local worker image
}

var (
	metricNameRE = regexp.MustCompile(`Name:\s*"(xdna_[a-z0-9_]+)"`)
	newDescRE    = regexp.MustCompile(`prometheus\.NewDesc\(\s*"(xdna_[a-z0-9_]+)",\s*"(?:[^"\\]|\\.)*",\s*\[\]string\{([^}]*)\}`)
	optsRE       = regexp.MustCompile(`(Counter|Gauge|Histogram|Summary)Opts\{\s*Name:\s*"(xdna_[a-z0-9_]+)"[^}]*\}(\s*,\s*\[\]string\{([^}]*)\})?`)
	envTagRE     = regexp.MustCompile(`env:"([A-Z][A-Z0-9_]*)"`)
	quotedRE     = regexp.MustCompile(`"([^"]*)"`)
	makeImageRE  = regexp.MustCompile(`docker build\b[^\n]*?-t\s+(\S+)\s+-f\s+deploy/(\S+)`)
	copyRE       = regexp.MustCompile(`(?m)^COPY\s+(?:--\S+\s+)*\S+\s+(\S+)\s*$`)
	userRE       = regexp.MustCompile(`(?m)^USER\s+(\S+)`)
)

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func loadFacts(t testing.TB) facts {
	t.Helper()
	f := facts{metrics: map[string]metricInfo{}, env: map[string]bool{}, imageFiles: map[string][]string{}, imageUser: map[string]string{}, commands: map[string]bool{}}

	src := readFile(t, filepath.Join(repoRoot, "worker", "metrics.go"))
	for _, m := range metricNameRE.FindAllStringSubmatch(src, -1) {
		f.metrics[m[1]] = metricInfo{}
	}
	for _, m := range optsRE.FindAllStringSubmatch(src, -1) {
		f.metrics[m[2]] = metricInfo{labels: quoted(m[4]), labelsKnown: true, histogram: m[1] == "Histogram"}
	}
	for _, m := range newDescRE.FindAllStringSubmatch(src, -1) {
		f.metrics[m[1]] = metricInfo{labels: quoted(m[2]), labelsKnown: true}
	}
	// A regexp that silently stops matching would make every later check
	// vacuous: insist on the series the deployment files are built around.
	for _, name := range []string{"xdna_jobs_total", "xdna_stage_seconds", "xdna_backpressure", "xdna_pool_buffers", "xdna_dead_letters_total"} {
		if _, ok := f.metrics[name]; !ok {
			t.Fatalf("worker/metrics.go: metric %s not found; the extraction regexps are out of date", name)
		}
	}
	if !f.metrics["xdna_stage_seconds"].histogram {
		t.Fatal("worker/metrics.go: xdna_stage_seconds not recognised as a histogram")
	}

	for _, p := range []string{"worker/config.go", "queue/config.go", "queue/uploads.go", "storage/config.go"} {
		for _, m := range envTagRE.FindAllStringSubmatch(readFile(t, filepath.Join(repoRoot, p)), -1) {
			f.env[m[1]] = true
		}
	}
	for _, name := range []string{"NATS_URL", "S3_ENDPOINT", "SHUTDOWN_TIMEOUT", "XDNA_DEVICE", "HTTP_ADDR"} {
		if !f.env[name] {
			t.Fatalf("env tag %s not found; the extraction regexp is out of date", name)
		}
	}

	makefile := readFile(t, filepath.Join(repoRoot, "Makefile"))
	for _, m := range makeImageRE.FindAllStringSubmatch(makefile, -1) {
		df := readFile(t, filepath.Join(".", m[2]))
		for _, c := range copyRE.FindAllStringSubmatch(df, -1) {
			f.imageFiles[m[1]] = append(f.imageFiles[m[1]], c[1])
		}
		if u := userRE.FindStringSubmatch(df); u != nil {
			f.imageUser[m[1]] = u[1]
		}
		if slices.Contains(f.imageFiles[m[1]], "/xdna-worker") && f.workerImage == "" {
			f.workerImage = m[1] // the first: the FROM-scratch one; the ffmpeg variant follows
		}
	}
	if len(f.imageFiles) != 4 || f.workerImage != "xdna/xdna-worker:local" || f.imageFiles["xdna/xdna-worker:local-ffmpeg"] == nil {
		t.Fatalf("Makefile: expected four local images (NATS, MinIO, the worker and the worker with ffmpeg), found %v", f.imageFiles)
	}

	entries, err := os.ReadDir(filepath.Join(repoRoot, "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			f.commands[e.Name()] = true
		}
	}
	// deploy/ builds xdna-provision; `make tools` builds mc.
	f.commands["xdna-provision"] = strings.Contains(makefile, "./deploy/xdna-provision")
	f.commands["mc"] = strings.Contains(makefile, "$(BIN)/mc:")
	return f
}

func quoted(s string) []string {
	var out []string
	for _, m := range quotedRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// ---------------------------------------------------------------------------
// Generic helpers.

type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }
func (p *problems) merge(q problems)               { *p = append(*p, q...) }

func (p problems) has(sub string) bool {
	for _, s := range p {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func report(t *testing.T, p problems) {
	t.Helper()
	for _, s := range p {
		t.Error(s)
	}
}

func dig(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func mapv(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any          { l, _ := v.([]any); return l }

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}

// strs reads a YAML command-like value: a list of strings, or one string.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return strings.Fields(x)
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = str(e)
		}
		return out
	}
	return nil
}

func intv(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case float64:
		return int(x), x == math.Trunc(x)
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

// decodeDocs reads every document of a (multi-document) YAML file.
func decodeDocs(t testing.TB, path string) []*yaml.Node {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader([]byte(readFile(t, path))))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(n.Content) == 0 || (n.Content[0].Kind == yaml.ScalarNode && n.Content[0].Tag == "!!null") {
			continue // an empty document (a stray ---)
		}
		docs = append(docs, &n)
	}
	return docs
}

func nodeMap(t testing.TB, path string, n *yaml.Node) map[string]any {
	t.Helper()
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// subset reports whether every key/value of sel is in labels.
func subset(sel, labels map[string]any) bool {
	for k, v := range sel {
		if str(labels[k]) != str(v) {
			return false
		}
	}
	return true
}

// parseQuantity reads a Kubernetes quantity (128Mi, 1Gi, 500M, 2, 250m).
func parseQuantity(v any) (float64, error) {
	s := str(v)
	for _, u := range []struct {
		suffix string
		mult   float64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"m", 1e-3}} {
		if strings.HasSuffix(s, u.suffix) {
			n, err := strconv.ParseFloat(strings.TrimSuffix(s, u.suffix), 64)
			return n * u.mult, err
		}
	}
	return strconv.ParseFloat(s, 64)
}

// parseGoMemLimit reads GOMEMLIMIT's syntax (bytes with B, KiB, MiB, GiB, TiB).
func parseGoMemLimit(s string) (float64, error) {
	for _, u := range []struct {
		suffix string
		mult   float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			n, err := strconv.ParseFloat(strings.TrimSuffix(s, u.suffix), 64)
			return n * u.mult, err
		}
	}
	return strconv.ParseFloat(s, 64)
}

func httpPort(addr string) (int, error) {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(p)
}

// ---------------------------------------------------------------------------
// PromQL: just enough of a scanner to find the series an expression reads.

type promRef struct {
	metric string
	labels []string // label names used in its selector
}

var (
	promKeywords   = map[string]bool{"and": true, "or": true, "unless": true, "by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true, "bool": true, "offset": true, "atan2": true}
	promLabelLists = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}
	// Aggregations may put their by/without clause before the parentheses.
	promAggregations = map[string]bool{"sum": true, "avg": true, "min": true, "max": true, "count": true, "group": true, "stddev": true, "stdvar": true, "topk": true, "bottomk": true, "quantile": true, "count_values": true, "limitk": true, "limit_ratio": true}
	matcherRE        = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)`)
	grafanaVarRE     = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)
)

// stripStrings blanks out string literals, keeping the quotes.
func stripStrings(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '"' && c != '\'' && c != '`' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte(c)
		for i++; i < len(s) && s[i] != c; i++ {
			if s[i] == '\\' && c != '`' {
				i++
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
func isIdent(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// closing returns the index of the bracket closing the one at s[i].
func closing(s string, i int) (int, error) {
	open, shut := s[i], map[byte]byte{'(': ')', '{': '}', '[': ']'}[s[i]]
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case open:
			depth++
		case shut:
			if depth--; depth == 0 {
				return j, nil
			}
		}
	}
	return 0, fmt.Errorf("unbalanced %q", string(open))
}

func promqlRefs(expr string) ([]promRef, error) {
	s := stripStrings(expr)
	for _, pair := range []string{"()", "{}", "[]"} {
		if strings.Count(s, pair[:1]) != strings.Count(s, pair[1:]) {
			return nil, fmt.Errorf("unbalanced %q in %q", pair, expr)
		}
	}
	skipSpace := func(i int) int {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++
		}
		return i
	}
	var refs []promRef
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '[': // range or subquery: durations, Grafana variables
			j, err := closing(s, i)
			if err != nil {
				return nil, err
			}
			i = j + 1
		case c == '{': // a selector without a metric name
			j, err := closing(s, i)
			if err != nil {
				return nil, err
			}
			i = j + 1
		case c == '$': // a Grafana variable outside a string
			i++
			for i < len(s) && (isIdent(s[i]) || s[i] == '{' || s[i] == '}') {
				i++
			}
		case c >= '0' && c <= '9' || c == '.':
			for i < len(s) && (isIdent(s[i]) || s[i] == '.' || (s[i] == '+' || s[i] == '-') && (s[i-1] == 'e' || s[i-1] == 'E')) {
				i++
			}
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdent(s[j]) {
				j++
			}
			word, next := s[i:j], skipSpace(j)
			i = j
			switch {
			case promKeywords[word]:
				if promLabelLists[word] && next < len(s) && s[next] == '(' {
					k, err := closing(s, next)
					if err != nil {
						return nil, err
					}
					i = k + 1
				}
			case promAggregations[word], next < len(s) && s[next] == '(': // a function or aggregation
			default:
				ref := promRef{metric: word}
				if next < len(s) && s[next] == '{' {
					k, err := closing(s, next)
					if err != nil {
						return nil, err
					}
					for _, m := range matcherRE.FindAllStringSubmatch(s[next+1:k], -1) {
						ref.labels = append(ref.labels, m[1])
					}
					i = k + 1
				}
				refs = append(refs, ref)
			}
		default:
			i++
		}
	}
	return refs, nil
}

// checkPromQL checks that expr reads only real series with real labels:
// the worker's metrics, and the names in external.
func checkPromQL(f facts, where, expr string, external map[string]bool) ([]string, problems) {
	var p problems
	refs, err := promqlRefs(expr)
	if err != nil {
		p.add("%s: %v", where, err)
		return nil, p
	}
	if len(refs) == 0 {
		p.add("%s: %q reads no series", where, expr)
	}
	var names []string
	for _, r := range refs {
		if external[r.metric] {
			names = append(names, r.metric)
			continue
		}
		name, suffix := r.metric, ""
		if _, ok := f.metrics[name]; !ok {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				if base := strings.TrimSuffix(name, s); base != name && f.metrics[base].histogram {
					name, suffix = base, s
				}
			}
		}
		info, ok := f.metrics[name]
		if !ok {
			p.add("%s: %s is not a metric of the worker (worker/metrics.go)", where, r.metric)
			continue
		}
		names = append(names, name)
		if !info.labelsKnown {
			continue
		}
		for _, l := range r.labels {
			if !slices.Contains(info.labels, l) && !scrapeLabels[l] && !(l == "le" && suffix == "_bucket") {
				p.add("%s: %s has no label %q (it has %v)", where, r.metric, l, info.labels)
			}
		}
	}
	return names, p
}

// ---------------------------------------------------------------------------
// Kubernetes manifests.

type k8sObj struct {
	file, kind, name string
	obj              map[string]any
}

type k8sSet struct {
	objs          []k8sObj
	kustomization map[string]any
	files         []string // every *.yaml in k8s/
}

func loadK8s(t testing.TB) *k8sSet {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no manifests in %s: %v", k8sDir, err)
	}
	k := &k8sSet{}
	for _, path := range paths {
		base := filepath.Base(path)
		k.files = append(k.files, base)
		for _, doc := range decodeDocs(t, path) {
			m := nodeMap(t, path, doc)
			if base == "kustomization.yaml" {
				k.kustomization = m
				continue
			}
			k.objs = append(k.objs, k8sObj{file: base, kind: str(m["kind"]), name: str(dig(m, "metadata", "name")), obj: m})
		}
	}
	return k
}

func (k *k8sSet) all(kind string) []map[string]any {
	var out []map[string]any
	for _, o := range k.objs {
		if o.kind == kind {
			out = append(out, o.obj)
		}
	}
	return out
}

func (k *k8sSet) one(kind string) map[string]any {
	if l := k.all(kind); len(l) > 0 {
		return l[0]
	}
	return nil
}

func (k *k8sSet) named(kind, name string) map[string]any {
	for _, o := range k.objs {
		if o.kind == kind && o.name == name {
			return o.obj
		}
	}
	return nil
}

// workerContainer is the Deployment's container running the worker image.
func workerContainer(d map[string]any) map[string]any {
	for _, c := range list(dig(d, "spec", "template", "spec", "containers")) {
		if strings.HasPrefix(str(dig(c, "image")), "xdna/xdna-worker:") {
			return mapv(c)
		}
	}
	return nil
}

func checkK8sBasics(k *k8sSet) problems {
	var p problems
	seen := map[string]bool{}
	for _, o := range k.objs {
		if str(o.obj["apiVersion"]) == "" || o.kind == "" || o.name == "" {
			p.add("%s: a document without apiVersion, kind or metadata.name", o.file)
		}
		if id := o.kind + "/" + o.name; seen[id] {
			p.add("%s: %s defined twice", o.file, id)
		} else {
			seen[id] = true
		}
	}
	if k.kustomization == nil {
		p.add("k8s/kustomization.yaml is missing")
		return p
	}
	var listed []string
	for _, r := range list(k.kustomization["resources"]) {
		listed = append(listed, str(r))
		if !slices.Contains(k.files, str(r)) {
			p.add("kustomization.yaml lists %s, which does not exist", r)
		}
	}
	for _, f := range k.files {
		if f != "kustomization.yaml" && f != "secret.example.yaml" && !slices.Contains(listed, f) {
			p.add("kustomization.yaml does not list %s", f)
		}
	}
	if slices.Contains(listed, "secret.example.yaml") {
		p.add("kustomization.yaml must not deploy the example Secret (placeholder credentials)")
	}
	return p
}

// k8sWorkerEnv assembles the worker's environment in the Deployment: the
// envFrom ConfigMap and Secret, then the container's env. It checks that
// every name is one the worker (or the Go runtime) reads.
func k8sWorkerEnv(f facts, k *k8sSet, c map[string]any) (map[string]string, problems) {
	var p problems
	env := map[string]string{}
	set := func(where, name, value string) {
		if !f.env[name] && !goRuntimeEnv[name] {
			p.add("%s: %s is not an environment variable the worker reads", where, name)
		}
		env[name] = value
	}
	var cms, secrets int
	for _, ef := range list(c["envFrom"]) {
		if name := str(dig(ef, "configMapRef", "name")); name != "" {
			cms++
			cm := k.named("ConfigMap", name)
			if cm == nil {
				p.add("Deployment: envFrom ConfigMap %q is not among the manifests", name)
				continue
			}
			for key, v := range mapv(cm["data"]) {
				set("ConfigMap "+name, key, str(v))
			}
		}
		if name := str(dig(ef, "secretRef", "name")); name != "" {
			secrets++
			s := k.named("Secret", name)
			if s == nil {
				p.add("Deployment: envFrom Secret %q is not among the manifests (secret.example.yaml)", name)
				continue
			}
			for key, v := range mapv(s["stringData"]) {
				set("Secret "+name, key, str(v))
			}
			for key := range mapv(s["data"]) {
				set("Secret "+name, key, "x")
			}
		}
	}
	if cms == 0 || secrets == 0 {
		p.add("Deployment: the worker must take its settings from a ConfigMap and its credentials from a Secret (envFrom)")
	}
	for _, e := range list(c["env"]) {
		name := str(dig(e, "name"))
		value := str(dig(e, "value"))
		if dig(e, "valueFrom") != nil {
			value = "xdna-worker-0" // a pod name, for WORKER_ID
		}
		set("Deployment env", name, value)
	}
	return env, p
}

// deploymentConfig is the worker configuration the Deployment produces,
// parsed by the worker's own LoadConfig.
func deploymentConfig(f facts, k *k8sSet) (worker.Config, problems) {
	var p problems
	d := k.named("Deployment", "xdna-worker")
	c := workerContainer(d)
	if c == nil {
		p.add("no Deployment with an xdna/xdna-worker container")
		return worker.Config{}, p
	}
	env, q := k8sWorkerEnv(f, k, c)
	p.merge(q)
	cfg, err := worker.LoadConfig(env)
	if err != nil {
		p.add("Deployment: the worker would refuse this configuration: %v", err)
	}
	return cfg, p
}

func probePath(c map[string]any, probe string, ports map[string]int) (string, int) {
	get := dig(c, probe, "httpGet")
	port, ok := intv(dig(get, "port"))
	if !ok {
		port = ports[str(dig(get, "port"))]
	}
	return str(dig(get, "path")), port
}

func checkDeployment(f facts, k *k8sSet) problems {
	var p problems
	d := k.named("Deployment", "xdna-worker")
	if d == nil {
		p.add("no Deployment")
		return p
	}
	cfg, q := deploymentConfig(f, k)
	p.merge(q)
	if len(q) > 0 && cfg.HTTPAddr == "" {
		return p
	}
	spec := mapv(d["spec"])
	if n, _ := intv(spec["replicas"]); n != 2 {
		p.add("Deployment: replicas %v, want 2", spec["replicas"])
	}
	podLabels := mapv(dig(spec, "template", "metadata", "labels"))
	if sel := mapv(dig(spec, "selector", "matchLabels")); len(sel) == 0 || !subset(sel, podLabels) {
		p.add("Deployment: selector %v does not match the pod labels %v", sel, podLabels)
	}
	pod := mapv(dig(spec, "template", "spec"))
	c := workerContainer(d)

	// Probes on the worker's HTTP port.
	want, err := httpPort(cfg.HTTPAddr)
	if err != nil {
		p.add("HTTP_ADDR %q: %v", cfg.HTTPAddr, err)
	}
	ports := map[string]int{}
	for _, cp := range list(c["ports"]) {
		n, _ := intv(dig(cp, "containerPort"))
		ports[str(dig(cp, "name"))] = n
	}
	if !slices.Contains(slices.Collect(maps.Values(ports)), want) {
		p.add("Deployment: no containerPort %d (HTTP_ADDR %s)", want, cfg.HTTPAddr)
	}
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
		got, port := probePath(c, probe, ports)
		if got != path || port != want {
			p.add("Deployment: %s is httpGet %s on port %d, want %s on %d", probe, got, port, path, want)
		}
	}
	if c["startupProbe"] != nil {
		if got, port := probePath(c, "startupProbe", ports); got != "/healthz" || port != want {
			p.add("Deployment: startupProbe is httpGet %s on port %d, want /healthz on %d", got, port, want)
		}
	}

	// Termination: preStop sleep, then SIGTERM and the worker's own drain.
	sleep, ok := intv(dig(c, "lifecycle", "preStop", "sleep", "seconds"))
	if !ok || sleep <= 0 {
		p.add("Deployment: preStop must be a sleep action with seconds > 0 (the image has no shell)")
	}
	tgps, ok := intv(pod["terminationGracePeriodSeconds"])
	need := time.Duration(sleep)*time.Second + cfg.ShutdownTimeout + drainMargin
	if !ok || time.Duration(tgps)*time.Second < need {
		p.add("Deployment: terminationGracePeriodSeconds %v must be at least preStop sleep %ds + SHUTDOWN_TIMEOUT %v + %v", pod["terminationGracePeriodSeconds"], sleep, cfg.ShutdownTimeout, drainMargin)
	}

	// Security.
	sc := func(key string) any {
		if v := dig(c, "securityContext", key); v != nil {
			return v
		}
		return dig(pod, "securityContext", key)
	}
	if sc("runAsNonRoot") != true {
		p.add("Deployment: runAsNonRoot must be true")
	}
	if u := f.imageUser[f.workerImage]; str(sc("runAsUser")) != strings.Split(u, ":")[0] {
		p.add("Deployment: runAsUser %v, want the image's USER %s", sc("runAsUser"), u)
	}
	if dig(c, "securityContext", "readOnlyRootFilesystem") != true {
		p.add("Deployment: readOnlyRootFilesystem must be true")
	}
	if dig(c, "securityContext", "allowPrivilegeEscalation") != false {
		p.add("Deployment: allowPrivilegeEscalation must be false")
	}
	if pod["enableServiceLinks"] != false {
		p.add("Deployment: enableServiceLinks must be false (Service links inject NATS_*-like variables)")
	}

	// Sizes, from the worker's own pool arithmetic.
	pools, err := xdna.NewPools(xdna.DefaultDims, cfg.Pools())
	if err != nil {
		p.add("pools: %v", err)
		return p
	}
	defer pools.Close()
	sets := float64(pools.Sets())
	estimate := float64(baseWeightsBytes+runtimeHeadroom+pools.MaxBytes()) + sets*perSetBytes
	req, err1 := parseQuantity(dig(c, "resources", "requests", "memory"))
	lim, err2 := parseQuantity(dig(c, "resources", "limits", "memory"))
	switch {
	case err1 != nil || err2 != nil:
		p.add("Deployment: memory requests and limits must be set: %v %v", err1, err2)
	case req < estimate:
		p.add("Deployment: memory request %.0f MiB is below the estimate %.0f MiB (base weights + pools at capacity + %v buffer sets)", req/(1<<20), estimate/(1<<20), sets)
	case lim < req:
		p.add("Deployment: memory limit below the request")
	}
	if v, ok := envValue(c, "GOMEMLIMIT"); ok {
		if g, err := parseGoMemLimit(v); err != nil || g < estimate || g >= lim {
			p.add("Deployment: GOMEMLIMIT %s must lie between the estimate (%.0f MiB) and the memory limit", v, estimate/(1<<20))
		}
	}
	if cfg.TempDir == "" {
		p.add("XDNA_TEMP_DIR must be set: the root filesystem is read-only")
	}
	var tmpVolume string
	for _, m := range list(c["volumeMounts"]) {
		if str(dig(m, "mountPath")) == cfg.TempDir {
			tmpVolume = str(dig(m, "name"))
		}
	}
	spool := sets * (float64(cfg.MaxAudioBytes) + spoolBytesPerSec*time.Duration(cfg.MaxAudioDuration).Seconds())
	found := false
	for _, v := range list(pod["volumes"]) {
		if str(dig(v, "name")) != tmpVolume || tmpVolume == "" {
			continue
		}
		found = true
		ed := dig(v, "emptyDir")
		if ed == nil {
			p.add("Deployment: volume %s at XDNA_TEMP_DIR must be an emptyDir", tmpVolume)
			continue
		}
		if size, err := parseQuantity(dig(ed, "sizeLimit")); err != nil || size < spool {
			p.add("Deployment: emptyDir %s sizeLimit %v is below the spool bound %.1f GiB (%v sets × (MAX_AUDIO_BYTES + 64 KB/s × MAX_AUDIO_DURATION))", tmpVolume, dig(ed, "sizeLimit"), spool/(1<<30), sets)
		}
	}
	if !found {
		p.add("Deployment: nothing writable is mounted at XDNA_TEMP_DIR %q", cfg.TempDir)
	}
	return p
}

func envValue(c map[string]any, name string) (string, bool) {
	for _, e := range list(c["env"]) {
		if str(dig(e, "name")) == name {
			return str(dig(e, "value")), true
		}
	}
	return "", false
}

func checkPDB(k *k8sSet) problems {
	var p problems
	pdb, d := k.one("PodDisruptionBudget"), k.named("Deployment", "xdna-worker")
	if pdb == nil || d == nil {
		p.add("a PodDisruptionBudget and a Deployment are required")
		return p
	}
	podLabels := mapv(dig(d, "spec", "template", "metadata", "labels"))
	sel := mapv(dig(pdb, "spec", "selector", "matchLabels"))
	if len(sel) == 0 || !subset(sel, podLabels) {
		p.add("PodDisruptionBudget: selector %v does not select the Deployment's pods %v", sel, podLabels)
	}
	maxU, minA := dig(pdb, "spec", "maxUnavailable"), dig(pdb, "spec", "minAvailable")
	switch {
	case (maxU == nil) == (minA == nil):
		p.add("PodDisruptionBudget: set exactly one of maxUnavailable and minAvailable")
	case maxU != nil:
		if n, ok := intv(maxU); ok && n < 1 {
			p.add("PodDisruptionBudget: maxUnavailable %v blocks every eviction", maxU)
		}
	default:
		replicas, _ := intv(dig(d, "spec", "replicas"))
		if n, ok := intv(minA); ok && n >= replicas {
			p.add("PodDisruptionBudget: minAvailable %v with %d replicas blocks every eviction", minA, replicas)
		}
	}
	return p
}

func checkScaledObject(f facts, k *k8sSet) problems {
	var p problems
	so, d := k.one("ScaledObject"), k.named("Deployment", "xdna-worker")
	if so == nil || d == nil {
		p.add("a KEDA ScaledObject and a Deployment are required")
		return p
	}
	cfg, _ := deploymentConfig(f, k) // problems reported by checkDeployment
	ref := mapv(dig(so, "spec", "scaleTargetRef"))
	if str(ref["name"]) != str(dig(d, "metadata", "name")) {
		p.add("ScaledObject: scaleTargetRef.name %q is not the Deployment %q", ref["name"], dig(d, "metadata", "name"))
	}
	if kind := str(ref["kind"]); kind != "" && kind != "Deployment" {
		p.add("ScaledObject: scaleTargetRef.kind %q, want Deployment", kind)
	}
	minR, okMin := intv(dig(so, "spec", "minReplicaCount"))
	maxR, okMax := intv(dig(so, "spec", "maxReplicaCount"))
	if !okMin || !okMax || minR > maxR || maxR < 1 {
		p.add("ScaledObject: minReplicaCount %v / maxReplicaCount %v", dig(so, "spec", "minReplicaCount"), dig(so, "spec", "maxReplicaCount"))
	}
	// One trigger per priority lane: the jobs wait in the lanes' consumers
	// (the routers' own consumer is empty but for the moment of a move).
	triggers := map[string]map[string]any{}
	for _, tr := range list(dig(so, "spec", "triggers")) {
		if str(dig(tr, "type")) == "nats-jetstream" {
			md := mapv(dig(tr, "metadata"))
			triggers[str(md["consumer"])] = md
		}
	}
	for _, pr := range job.Priorities {
		consumer := cfg.NATS.LaneConsumer(pr)
		js := triggers[consumer]
		if js == nil {
			p.add("ScaledObject: no nats-jetstream trigger for consumer %q (the %s lane)", consumer, pr)
			continue
		}
		for key, want := range map[string]string{"stream": cfg.NATS.JobsStream, "account": "$G"} {
			if got := str(js[key]); got != want {
				p.add("ScaledObject: nats-jetstream %s %q, want %q (the worker's configuration)", key, got, want)
			}
		}
		ep := str(js["natsServerMonitoringEndpoint"])
		if _, port, err := net.SplitHostPort(ep); err != nil || port == "" || strings.Contains(ep, "://") {
			p.add("ScaledObject: natsServerMonitoringEndpoint %q must be host:port of NATS monitoring", ep)
		}
		if n, ok := intv(js["lagThreshold"]); !ok || n < 1 {
			p.add("ScaledObject: lagThreshold %v must be a positive integer", js["lagThreshold"])
		}
	}
	return p
}

func checkPodMonitor(k *k8sSet) problems {
	var p problems
	pm, d := k.one("PodMonitor"), k.named("Deployment", "xdna-worker")
	if pm == nil || d == nil {
		return p
	}
	podLabels := mapv(dig(d, "spec", "template", "metadata", "labels"))
	if sel := mapv(dig(pm, "spec", "selector", "matchLabels")); len(sel) == 0 || !subset(sel, podLabels) {
		p.add("PodMonitor: selector %v does not select the worker pods %v", sel, podLabels)
	}
	names := map[string]bool{}
	for _, cp := range list(workerContainer(d)["ports"]) {
		names[str(dig(cp, "name"))] = true
	}
	for _, ep := range list(dig(pm, "spec", "podMetricsEndpoints")) {
		if !names[str(dig(ep, "port"))] || str(dig(ep, "path")) != "/metrics" {
			p.add("PodMonitor: endpoint %v must scrape /metrics on a named container port", ep)
		}
	}
	return p
}

var (
	promDurationRE = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)
	severities     = map[string]bool{"critical": true, "warning": true, "info": true}
)

func checkRules(f facts, k *k8sSet) problems {
	var p problems
	rulesets := k.all("PrometheusRule")
	if len(rulesets) == 0 {
		p.add("no PrometheusRule")
		return p
	}
	used := map[string]bool{}
	alerts := map[string]bool{}
	for _, rs := range rulesets {
		for _, g := range list(dig(rs, "spec", "groups")) {
			for _, r := range list(dig(g, "rules")) {
				name := str(dig(r, "alert"))
				if name == "" {
					name = str(dig(r, "record"))
				}
				where := "rule " + name
				expr := strings.TrimSpace(str(dig(r, "expr")))
				if expr == "" {
					p.add("%s: no expr", where)
				} else {
					names, q := checkPromQL(f, where, expr, externalAlertMetrics)
					p.merge(q)
					for _, n := range names {
						used[n] = true
					}
				}
				if dig(r, "alert") == nil {
					continue
				}
				if alerts[name] {
					p.add("%s: alert defined twice", where)
				}
				alerts[name] = true
				if !promDurationRE.MatchString(str(dig(r, "for"))) {
					p.add("%s: for %q is not a duration", where, dig(r, "for"))
				}
				if !severities[str(dig(r, "labels", "severity"))] {
					p.add("%s: labels.severity %q is not critical, warning or info", where, dig(r, "labels", "severity"))
				}
				if strings.TrimSpace(str(dig(r, "annotations", "summary"))) == "" {
					p.add("%s: no annotations.summary", where)
				}
			}
		}
	}
	for _, m := range []string{"xdna_backpressure", "xdna_buffer_leaks_total", "xdna_dead_letters_total", "xdna_redeliveries_total", "xdna_jobs_total"} {
		if !used[m] {
			p.add("PrometheusRule: no alert on %s", m)
		}
	}
	if len(alerts) < 6 {
		p.add("PrometheusRule: %d alerts, want at least backpressure, leaks, DLQ, redeliveries, failures and readiness", len(alerts))
	}
	return p
}

// ---------------------------------------------------------------------------
// Grafana dashboard.

func loadDashboard(t testing.TB) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(readFile(t, dashboardPath)), &d); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	return d
}

func checkDashboard(f facts, d map[string]any) problems {
	var p problems
	if v, _ := intv(d["schemaVersion"]); v < 36 {
		p.add("dashboard: schemaVersion %v < 36", d["schemaVersion"])
	}
	if str(d["uid"]) == "" || str(d["title"]) == "" {
		p.add("dashboard: uid and title are required")
	}
	vars := map[string]bool{}
	dsVar := ""
	for _, v := range list(dig(d, "templating", "list")) {
		vars[str(dig(v, "name"))] = true
		if str(dig(v, "type")) == "datasource" && str(dig(v, "query")) == "prometheus" {
			dsVar = str(dig(v, "name"))
		}
	}
	if dsVar == "" {
		p.add("dashboard: no datasource template variable of type prometheus")
	}
	dsOK := func(v any) bool {
		uid := str(dig(v, "uid"))
		return dsVar != "" && (uid == "${"+dsVar+"}" || uid == "$"+dsVar)
	}
	var panels []any
	for _, pn := range list(d["panels"]) {
		panels = append(panels, pn)
		panels = append(panels, list(dig(pn, "panels"))...) // collapsed rows
	}
	ids := map[int]bool{}
	used := map[string]bool{}
	for _, pn := range panels {
		title := str(dig(pn, "title"))
		id, ok := intv(dig(pn, "id"))
		if !ok || ids[id] {
			p.add("dashboard panel %q: missing or duplicate id %v", title, dig(pn, "id"))
		}
		ids[id] = true
		if dig(pn, "gridPos") == nil {
			p.add("dashboard panel %q: no gridPos", title)
		}
		if str(dig(pn, "type")) == "row" {
			continue
		}
		targets := list(dig(pn, "targets"))
		if len(targets) == 0 {
			p.add("dashboard panel %q: no targets", title)
		}
		if !dsOK(dig(pn, "datasource")) {
			p.add("dashboard panel %q: datasource %v is not the ${%s} variable", title, dig(pn, "datasource"), dsVar)
		}
		for _, tg := range targets {
			expr := str(dig(tg, "expr"))
			where := fmt.Sprintf("dashboard panel %q target %s", title, str(dig(tg, "refId")))
			if dig(tg, "datasource") != nil && !dsOK(dig(tg, "datasource")) {
				p.add("%s: datasource is not the ${%s} variable", where, dsVar)
			}
			for _, m := range grafanaVarRE.FindAllStringSubmatch(expr, -1) {
				if !vars[m[1]] && !strings.HasPrefix(m[1], "__") {
					p.add("%s: variable $%s is not defined", where, m[1])
				}
			}
			names, q := checkPromQL(f, where, expr, nil)
			p.merge(q)
			for _, n := range names {
				used[n] = true
			}
		}
	}
	for _, m := range []string{"xdna_jobs_total", "xdna_stage_seconds", "xdna_queue_wait_seconds", "xdna_jobs_in_flight", "xdna_backpressure", "xdna_pool_buffers", "xdna_pool_hit_ratio", "xdna_buffer_leaks_total", "xdna_retries_total", "xdna_dead_letters_total", "xdna_audio_seconds_total"} {
		if !used[m] {
			p.add("dashboard: no panel shows %s", m)
		}
	}
	return p
}

// ---------------------------------------------------------------------------
// Compose.

type compose struct {
	path string
	doc  *yaml.Node
	m    map[string]any
}

func loadCompose(t testing.TB, path string) *compose {
	t.Helper()
	docs := decodeDocs(t, path)
	if len(docs) != 1 {
		t.Fatalf("%s: %d documents, want 1", path, len(docs))
	}
	return &compose{path: path, doc: docs[0], m: nodeMap(t, path, docs[0])}
}

func (c *compose) services() map[string]map[string]any {
	out := map[string]map[string]any{}
	for name, s := range mapv(c.m["services"]) {
		out[name] = mapv(s)
	}
	return out
}

// mappingValue returns the value node of key in a mapping node.
func mappingValue(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil {
		return nil, nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

func hasComment(ns ...*yaml.Node) bool {
	for _, n := range ns {
		if n == nil {
			continue
		}
		if strings.TrimSpace(n.HeadComment+n.LineComment+n.FootComment) != "" || hasComment(n.Content...) {
			return true
		}
	}
	return false
}

// healthcheckComment reports whether the file explains service svc's
// healthcheck with a comment.
func (c *compose) healthcheckComment(svc string) bool {
	_, services := mappingValue(c.doc, "services")
	_, s := mappingValue(services, svc)
	k, v := mappingValue(s, "healthcheck")
	return hasComment(k, v)
}

var interpolateRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}`)

// interpolate resolves ${VAR:-default} to its default, as with an empty
// environment.
func interpolate(s string) string {
	return interpolateRE.ReplaceAllString(s, "$2")
}

func composeEnv(v any) map[string]string {
	env := map[string]string{}
	switch x := v.(type) {
	case map[string]any:
		for k, v := range x {
			env[k] = interpolate(str(v))
		}
	case []any:
		for _, e := range x {
			k, v, _ := strings.Cut(str(e), "=")
			env[k] = interpolate(v)
		}
	}
	return env
}

func dependsOn(v any) map[string]string {
	out := map[string]string{}
	switch x := v.(type) {
	case []any:
		for _, s := range x {
			out[str(s)] = "service_started"
		}
	case map[string]any:
		for name, d := range x {
			cond := str(dig(d, "condition"))
			if cond == "" {
				cond = "service_started"
			}
			out[name] = cond
		}
	}
	return out
}

// volumeTarget splits a short volume syntax "src:dst[:mode]".
func volumeParts(v any) (src, dst string) {
	if m := mapv(v); m != nil {
		return str(m["source"]), str(m["target"])
	}
	parts := strings.Split(str(v), ":")
	if len(parts) == 1 {
		return "", parts[0]
	}
	return parts[0], parts[1]
}

// mergeCompose applies an override file to base services the way Compose
// does: mappings (environment, depends_on, healthcheck, labels, build) merge
// key by key, volumes and ports merge by target, everything else is replaced.
func mergeCompose(base, over *compose) map[string]map[string]any {
	out := map[string]map[string]any{}
	for name, s := range base.services() {
		out[name] = cloneMap(s)
	}
	if over == nil {
		return out
	}
	for name, o := range over.services() {
		s := out[name]
		if s == nil {
			s = map[string]any{}
			out[name] = s
		}
		for key, v := range o {
			switch key {
			case "environment":
				env := composeEnv(s[key])
				for k, v := range composeEnv(v) {
					env[k] = v
				}
				m := map[string]any{}
				for k, v := range env {
					m[k] = v
				}
				s[key] = m
			case "depends_on":
				m := mapv(cloneAny(s[key]))
				if m == nil {
					m = map[string]any{}
					for dep, cond := range dependsOn(s[key]) {
						m[dep] = map[string]any{"condition": cond}
					}
				}
				for dep, cond := range dependsOn(v) {
					m[dep] = map[string]any{"condition": cond}
				}
				s[key] = m
			case "healthcheck", "labels", "build", "deploy", "logging":
				m := mapv(cloneAny(s[key]))
				if m == nil {
					m = map[string]any{}
				}
				for k, v := range mapv(v) {
					m[k] = v
				}
				s[key] = m
			case "volumes", "ports":
				merged := map[string]any{}
				var order []string
				for _, e := range append(list(s[key]), list(v)...) {
					_, dst := volumeParts(e)
					if key == "ports" {
						dst = str(e)
					}
					if _, ok := merged[dst]; !ok {
						order = append(order, dst)
					}
					merged[dst] = e
				}
				var l []any
				for _, dst := range order {
					l = append(l, merged[dst])
				}
				s[key] = l
			default:
				s[key] = v
			}
		}
	}
	return out
}

func cloneAny(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneMap(x)
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = cloneAny(e)
		}
		return l
	}
	return v
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneAny(v)
	}
	return out
}

func imageRepo(image string) string {
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		return image[:i]
	}
	return image
}

// isWorker reports whether a service runs the worker (not xdnactl).
func isWorker(s map[string]any) bool {
	return imageRepo(str(s["image"])) == "xdna/xdna-worker" && s["entrypoint"] == nil
}

func healthDisabled(hc any) bool {
	t := strs(dig(hc, "test"))
	return dig(hc, "disable") == true || len(t) > 0 && t[0] == "NONE"
}

// checkComposeServices checks a set of (merged) services; files are the
// compose files they came from, for comments.
func checkComposeServices(f facts, label string, svcs map[string]map[string]any, volumes map[string]any, files ...*compose) problems {
	var p problems
	workers := 0
	ids := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(svcs)) {
		s := svcs[name]
		where := label + ": service " + name
		image := str(s["image"])
		local := f.imageFiles[image]

		// Healthcheck: present, runnable in the image, or off with a reason.
		hc := s["healthcheck"]
		test := strs(dig(hc, "test"))
		switch {
		case hc == nil || len(test) == 0 && dig(hc, "disable") != true:
			p.add("%s: no healthcheck", where)
		case healthDisabled(hc):
			commented := false
			for _, c := range files {
				commented = commented || c.healthcheckComment(name)
			}
			if !commented {
				p.add("%s: healthcheck disabled without a comment saying why", where)
			}
			if len(mapv(hc)) > 1 {
				p.add("%s: a disabled healthcheck merged with %v: docker-compose v1 rejects that (\"disable: true\" cannot be combined with other options)", where, slices.Sorted(maps.Keys(mapv(hc))))
			}
		case test[0] != "CMD" && test[0] != "CMD-SHELL":
			p.add("%s: healthcheck test must start with CMD, CMD-SHELL or NONE, not %q", where, test[0])
		case local != nil && test[0] == "CMD-SHELL":
			p.add("%s: %s is FROM scratch: no shell for CMD-SHELL", where, image)
		case local != nil && len(test) > 1:
			if !slices.Contains(local, test[1]) && !mountedAt(s, test[1]) {
				p.add("%s: healthcheck runs %s, which is neither in %s (it has %v) nor mounted", where, test[1], image, local)
			}
		}
		if ep := strs(s["entrypoint"]); local != nil && len(ep) > 0 && !slices.Contains(local, ep[0]) && !mountedAt(s, ep[0]) {
			p.add("%s: entrypoint %s is not in %s (it has %v)", where, ep[0], image, local)
		}

		// Dependencies.
		for dep, cond := range dependsOn(s["depends_on"]) {
			target := svcs[dep]
			switch {
			case target == nil:
				p.add("%s: depends on unknown service %s", where, dep)
			case cond == "service_healthy" && (target["healthcheck"] == nil || healthDisabled(target["healthcheck"])):
				p.add("%s: waits for %s to be healthy, but %s has no healthcheck", where, dep, dep)
			case cond == "service_completed_successfully" && str(target["restart"]) != "no":
				p.add("%s: waits for %s to complete, but %s is not a one-shot (restart: \"no\")", where, dep, dep)
			case cond != "service_started" && cond != "service_healthy" && cond != "service_completed_successfully":
				p.add("%s: unknown depends_on condition %q", where, cond)
			}
		}

		// Volumes: named ones declared, bind-mounted binaries real.
		for _, v := range list(s["volumes"]) {
			src, _ := volumeParts(v)
			switch {
			case src == "":
			case strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/"):
				if dir, bin := filepath.Split(filepath.Clean(src)); filepath.Base(dir) == "bin" && !f.commands[bin] {
					p.add("%s: mounts %s, but `make build` builds no %s (cmd/%s)", where, src, bin, bin)
				}
			case volumes == nil || !hasKey(volumes, src):
				p.add("%s: named volume %s is not declared under top-level volumes", where, src)
			}
		}

		if !isWorker(s) {
			continue
		}
		// The worker.
		workers++
		env := composeEnv(s["environment"])
		for k := range env {
			if !f.env[k] && !goRuntimeEnv[k] {
				p.add("%s: %s is not an environment variable the worker reads", where, k)
			}
		}
		cfg, err := worker.LoadConfig(env)
		if err != nil {
			p.add("%s: the worker would refuse this configuration: %v", where, err)
			continue
		}
		if other, dup := ids[cfg.WorkerID]; dup {
			p.add("%s: WORKER_ID %q is also %s's", where, cfg.WorkerID, other)
		}
		ids[cfg.WorkerID] = name
		if sig := str(s["stop_signal"]); sig != "" && sig != "SIGTERM" {
			p.add("%s: stop_signal %s; the worker drains on SIGTERM", where, sig)
		}
		grace, err := time.ParseDuration(str(s["stop_grace_period"]))
		if err != nil || grace < cfg.ShutdownTimeout+drainMargin {
			p.add("%s: stop_grace_period %q must be at least SHUTDOWN_TIMEOUT %v + %v (Docker's default is 10 s)", where, s["stop_grace_period"], cfg.ShutdownTimeout, drainMargin)
		}
		if got := strings.Join(test, " "); got != "CMD /xdna-worker healthcheck" {
			p.add("%s: healthcheck %q, want CMD /xdna-worker healthcheck", where, got)
		}
		if u, err := url.Parse(cfg.NATS.URL); err != nil || svcs[u.Hostname()] == nil {
			p.add("%s: NATS_URL %q does not point at a compose service", where, cfg.NATS.URL)
		}
		if host, _, err := net.SplitHostPort(cfg.S3.Endpoint); err != nil || svcs[host] == nil {
			p.add("%s: S3_ENDPOINT %q does not point at a compose service", where, cfg.S3.Endpoint)
		}
		deps := dependsOn(s["depends_on"])
		if u, _ := url.Parse(cfg.NATS.URL); u != nil && deps[u.Hostname()] == "" {
			p.add("%s: does not depend on %s", where, u.Hostname())
		}
		buckets := false
		for dep, cond := range deps {
			cmd := strings.Join(strs(svcs[dep]["command"]), " ")
			if cond == "service_completed_successfully" && strings.Contains(cmd, "audio") && strings.Contains(cmd, "transcripts") {
				buckets = true
			}
		}
		if !buckets {
			p.add("%s: does not wait for the buckets audio and transcripts to be created", where)
		}
	}
	if workers < 2 {
		p.add("%s: %d worker services, want 2", label, workers)
	}
	return p
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func mountedAt(s map[string]any, path string) bool {
	for _, v := range list(s["volumes"]) {
		if _, dst := volumeParts(v); dst == path {
			return true
		}
	}
	return false
}

func checkComposeBase(f facts, base *compose) problems {
	var p problems
	svcs := base.services()
	p.merge(checkComposeServices(f, base.path, svcs, mapv(base.m["volumes"]), base))
	for name, s := range svcs {
		if f.imageFiles[str(s["image"])] != nil {
			p.add("%s: service %s uses the local image %s; docker-compose.yml is for users (official images)", base.path, name, s["image"])
		}
	}
	nats := svcs["nats"]
	cmd := " " + strings.Join(strs(nats["command"]), " ") + " "
	if nats == nil || !(strings.Contains(cmd, " -js ") || strings.Contains(cmd, " --jetstream ")) || !strings.Contains(cmd, " /data ") ||
		!(strings.Contains(cmd, " -m 8222 ") || strings.Contains(cmd, " --http_port 8222 ")) {
		p.add("%s: service nats must run JetStream on /data with monitoring on 8222, has %q", base.path, cmd)
	}
	if !strings.Contains(strings.Join(strs(dig(nats, "healthcheck", "test")), " "), ":8222/healthz") {
		p.add("%s: nats healthcheck must ask :8222/healthz", base.path)
	}
	if cmd := strs(svcs["minio"]["command"]); len(cmd) < 2 || cmd[0] != "server" || cmd[1] != "/data" {
		p.add("%s: service minio must run `server /data`", base.path)
	}
	return p
}

func checkComposeOverride(f facts, base, over *compose) problems {
	var p problems
	merged := mergeCompose(base, over)
	volumes := cloneMap(mapv(base.m["volumes"]))
	for k, v := range mapv(over.m["volumes"]) {
		volumes[k] = v
	}
	p.merge(checkComposeServices(f, "merged", merged, volumes, base, over))
	baseSvcs := base.services()
	want := map[string]string{"nats": "", "minio/minio": "", "xdna/xdna-worker": f.workerImage}
	for img := range f.imageFiles {
		switch {
		case strings.Contains(img, "nats"):
			want["nats"] = img
		case strings.Contains(img, "minio"):
			want["minio/minio"] = img
		}
	}
	for name, s := range over.services() {
		if baseSvcs[name] == nil {
			p.add("%s: service %s is not in %s", over.path, name, base.path)
		}
		if img := str(s["image"]); img != "" && f.imageFiles[img] == nil {
			p.add("%s: service %s uses %s, not one of the local images %v", over.path, name, img, slices.Sorted(maps.Keys(f.imageFiles)))
		}
		mc := strings.HasSuffix(strings.Join(strs(s["entrypoint"]), " "), "/mc")
		for k := range composeEnv(s["environment"]) {
			if !f.env[k] && !(mc && strings.HasPrefix(k, "MC_")) {
				p.add("%s: service %s sets %s, which none of the project's binaries reads", over.path, name, k)
			}
		}
	}
	for name, s := range merged {
		img := str(s["image"])
		if f.imageFiles[img] == nil {
			p.add("merged: service %s still uses %s; the override must swap in a local image", name, img)
		}
		if w, ok := want[imageRepo(str(baseSvcs[name]["image"]))]; ok && img != w {
			p.add("merged: service %s uses %s, want %s", name, img, w)
		}
		if str(s["restart"]) == "no" {
			cmd := strings.Join(strs(s["command"]), " ")
			creates := strings.Contains(cmd, "audio") && strings.Contains(cmd, "transcripts")
			notifies := strings.Contains(cmd, "notify") && strings.Contains(cmd, "arn:minio:sqs::") && strings.Contains(cmd, "audio")
			s3user := strings.HasPrefix(cmd, "admin user add ") || strings.HasPrefix(cmd, "admin policy ")
			provisions := strings.Join(strs(s["entrypoint"]), " ") == "/xdna-provision"
			if !creates && !notifies && !s3user && !provisions {
				p.add("merged: one-shot %s neither creates the buckets audio and transcripts nor subscribes audio to upload notifications: %q", name, cmd)
			}
		}
	}
	return p
}

// ---------------------------------------------------------------------------
// The tests.

func TestK8sManifests(t *testing.T) {
	f, k := loadFacts(t), loadK8s(t)
	t.Run("basics", func(t *testing.T) { report(t, checkK8sBasics(k)) })
	t.Run("Deployment", func(t *testing.T) { report(t, checkDeployment(f, k)) })
	t.Run("PodDisruptionBudget", func(t *testing.T) { report(t, checkPDB(k)) })
	t.Run("ScaledObject", func(t *testing.T) { report(t, checkScaledObject(f, k)) })
	t.Run("PodMonitor", func(t *testing.T) { report(t, checkPodMonitor(k)) })
	t.Run("PrometheusRule", func(t *testing.T) { report(t, checkRules(f, k)) })
}

func TestDashboard(t *testing.T) {
	f := loadFacts(t)
	report(t, checkDashboard(f, loadDashboard(t)))
}

func TestCompose(t *testing.T) {
	f := loadFacts(t)
	base, over := loadCompose(t, composePath), loadCompose(t, composeOverride)
	t.Run("base", func(t *testing.T) { report(t, checkComposeBase(f, base)) })
	t.Run("local override", func(t *testing.T) { report(t, checkComposeOverride(f, base, over)) })
}

func TestPromQLScanner(t *testing.T) {
	refs, err := promqlRefs(`sum by (code) (rate(xdna_jobs_total{status="failed", instance=~"$x"}[5m])) / ignoring (code) group_left sum(rate(foo:bar_total[$__rate_interval] offset 1h)) > 0.05 and on() vector(1e-3)`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range refs {
		got = append(got, r.metric+fmt.Sprint(r.labels))
	}
	if want := []string{"xdna_jobs_total[status instance]", "foo:bar_total[]"}; !slices.Equal(got, want) {
		t.Errorf("refs %v, want %v", got, want)
	}
	if _, err := promqlRefs(`sum(rate(xdna_jobs_total[5m])`); err == nil {
		t.Error("unbalanced parentheses not reported")
	}
}

// TestChecksCatchMistakes breaks copies of the real files, one mistake at
// a time, and requires the checks to notice: a check that cannot fail
// proves nothing.
func TestChecksCatchMistakes(t *testing.T) {
	f := loadFacts(t)
	container := func(k *k8sSet) map[string]any { return workerContainer(k.named("Deployment", "xdna-worker")) }
	k8s := []struct {
		name   string
		check  func(facts, *k8sSet) problems
		break_ func(*k8sSet)
		want   string
	}{
		{"readiness on /healthz", checkDeployment, func(k *k8sSet) {
			mapv(dig(container(k), "readinessProbe", "httpGet"))["path"] = "/healthz"
		}, "readinessProbe"},
		{"liveness on the wrong port", checkDeployment, func(k *k8sSet) {
			mapv(dig(container(k), "livenessProbe", "httpGet"))["port"] = 9090
		}, "livenessProbe"},
		{"no preStop", checkDeployment, func(k *k8sSet) { delete(mapv(container(k)["lifecycle"]), "preStop") }, "preStop"},
		{"grace period below the drain", checkDeployment, func(k *k8sSet) {
			mapv(dig(k.named("Deployment", "xdna-worker"), "spec", "template", "spec"))["terminationGracePeriodSeconds"] = 30
		}, "terminationGracePeriodSeconds"},
		{"SHUTDOWN_TIMEOUT raised past the grace period", checkDeployment, func(k *k8sSet) {
			mapv(k.named("ConfigMap", "xdna-worker-config")["data"])["SHUTDOWN_TIMEOUT"] = "2m"
		}, "terminationGracePeriodSeconds"},
		{"root", checkDeployment, func(k *k8sSet) {
			mapv(dig(k.named("Deployment", "xdna-worker"), "spec", "template", "spec", "securityContext"))["runAsNonRoot"] = false
		}, "runAsNonRoot"},
		{"misspelled env var", checkDeployment, func(k *k8sSet) {
			mapv(k.named("ConfigMap", "xdna-worker-config")["data"])["NATS_ULR"] = "nats://x:4222"
		}, "NATS_ULR"},
		{"invalid value", checkDeployment, func(k *k8sSet) { mapv(k.named("ConfigMap", "xdna-worker-config")["data"])["XDNA_DEVICE"] = "gpu" }, "refuse"},
		{"pools outgrow the memory request", checkDeployment, func(k *k8sSet) {
			data := mapv(k.named("ConfigMap", "xdna-worker-config")["data"])
			data["AUDIO_BUFFER_POOL_SIZE"], data["MEL_BUFFER_POOL_SIZE"], data["ENCODER_BUFFER_POOL_SIZE"] = "16", "16", "16"
		}, "memory request"},
		{"spool outgrows the temp volume", checkDeployment, func(k *k8sSet) { mapv(k.named("ConfigMap", "xdna-worker-config")["data"])["MAX_AUDIO_BYTES"] = "4GiB" }, "sizeLimit"},
		{"PDB selects other pods", func(_ facts, k *k8sSet) problems { return checkPDB(k) }, func(k *k8sSet) {
			mapv(dig(k.one("PodDisruptionBudget"), "spec", "selector"))["matchLabels"] = map[string]any{"app": "other"}
		}, "does not select"},
		{"ScaledObject scales another Deployment", checkScaledObject, func(k *k8sSet) {
			mapv(dig(k.one("ScaledObject"), "spec", "scaleTargetRef"))["name"] = "other"
		}, "scaleTargetRef"},
		{"ScaledObject watches another consumer", checkScaledObject, func(k *k8sSet) {
			mapv(dig(list(dig(k.one("ScaledObject"), "spec", "triggers"))[0], "metadata"))["consumer"] = "other"
		}, "consumer"},
		{"alert on a misspelled metric", checkRules, func(k *k8sSet) {
			r := mapv(list(dig(list(dig(k.one("PrometheusRule"), "spec", "groups"))[0], "rules"))[0])
			r["expr"] = "rate(xdna_jobs_totl[5m]) > 0"
		}, "xdna_jobs_totl"},
		{"alert on a label the metric lacks", checkRules, func(k *k8sSet) {
			r := mapv(list(dig(list(dig(k.one("PrometheusRule"), "spec", "groups"))[0], "rules"))[0])
			r["expr"] = `xdna_backpressure{pool="audio"} == 1`
		}, `no label "pool"`},
		{"alert without severity", checkRules, func(k *k8sSet) {
			r := mapv(list(dig(list(dig(k.one("PrometheusRule"), "spec", "groups"))[0], "rules"))[0])
			delete(mapv(r["labels"]), "severity")
		}, "severity"},
		{"alert without for", checkRules, func(k *k8sSet) {
			r := mapv(list(dig(list(dig(k.one("PrometheusRule"), "spec", "groups"))[0], "rules"))[0])
			delete(r, "for")
		}, "for"},
	}
	for _, tc := range k8s {
		t.Run(tc.name, func(t *testing.T) {
			k := loadK8s(t)
			if p := tc.check(f, k); len(p) > 0 {
				t.Fatalf("the real files already fail: %v", p)
			}
			tc.break_(k)
			if p := tc.check(f, k); !p.has(tc.want) {
				t.Errorf("mistake not caught (want a problem mentioning %q), got %v", tc.want, p)
			}
		})
	}

	t.Run("dashboard panel on a misspelled metric", func(t *testing.T) {
		d := loadDashboard(t)
		var tg map[string]any
		for _, pn := range list(d["panels"]) {
			if ts := list(dig(pn, "targets")); len(ts) > 0 {
				tg = mapv(ts[0])
				break
			}
		}
		tg["expr"] = `sum(rate(xdna_job_total[$__rate_interval]))`
		if p := checkDashboard(f, d); !p.has("xdna_job_total") {
			t.Errorf("mistake not caught: %v", p)
		}
	})
	t.Run("dashboard with a fixed datasource", func(t *testing.T) {
		d := loadDashboard(t)
		for _, pn := range list(d["panels"]) {
			if dig(pn, "targets") != nil {
				mapv(pn)["datasource"] = map[string]any{"type": "prometheus", "uid": "abc123"}
				break
			}
		}
		if p := checkDashboard(f, d); !p.has("datasource") {
			t.Errorf("mistake not caught: %v", p)
		}
	})

	compose := []struct {
		name   string
		break_ func(base, over *compose)
		check  func(base, over *compose) problems
		want   string
	}{
		{"worker killed before its drain ends", func(base, _ *compose) {
			for _, s := range base.services() {
				if isWorker(s) {
					s["stop_grace_period"] = "20s"
				}
			}
		}, func(base, _ *compose) problems { return checkComposeBase(f, base) }, "stop_grace_period"},
		{"worker sets an unknown variable", func(base, _ *compose) {
			for _, s := range base.services() {
				if isWorker(s) {
					mapv(s["environment"])["XDNA_DEVCE"] = "sim"
				}
			}
		}, func(base, _ *compose) problems { return checkComposeBase(f, base) }, "XDNA_DEVCE"},
		{"service without healthcheck", func(base, _ *compose) { delete(base.services()["minio"], "healthcheck") },
			func(base, _ *compose) problems { return checkComposeBase(f, base) }, "no healthcheck"},
		{"override keeps an official image", func(_, over *compose) { delete(over.services()["minio"], "image") },
			func(base, over *compose) problems { return checkComposeOverride(f, base, over) }, "still uses minio/minio"},
		{"override probes with wget in a scratch image", func(_, over *compose) {
			mapv(over.services()["nats"]["healthcheck"])["test"] = []any{"CMD", "wget", "-q", "http://127.0.0.1:8222/healthz"}
		}, func(base, over *compose) problems { return checkComposeOverride(f, base, over) }, "wget"},
		{"override disables a healthcheck the base times", func(_, over *compose) {
			mapv(over.services()["nats"]["healthcheck"])["test"] = []any{"NONE"}
		}, func(base, over *compose) problems { return checkComposeOverride(f, base, over) }, "docker-compose v1"},
		{"override mounts a binary make does not build", func(_, over *compose) {
			over.services()["minio"]["volumes"] = []any{"./bin/curl:/probe/curl:ro"}
		}, func(base, over *compose) problems { return checkComposeOverride(f, base, over) }, "bin/curl"},
	}
	for _, tc := range compose {
		t.Run(tc.name, func(t *testing.T) {
			base, over := loadCompose(t, composePath), loadCompose(t, composeOverride)
			if p := tc.check(base, over); len(p) > 0 {
				t.Fatalf("the real files already fail: %v", p)
			}
			tc.break_(base, over)
			if p := tc.check(base, over); !p.has(tc.want) {
				t.Errorf("mistake not caught (want a problem mentioning %q), got %v", tc.want, p)
			}
		})
	}
}

// TestMetricsListed logs the worker metrics no dashboard panel shows, so a
// new metric is noticed without failing the build.
func TestMetricsListed(t *testing.T) {
	f := loadFacts(t)
	d := loadDashboard(t)
	raw, _ := json.Marshal(d)
	var missing []string
	for name := range f.metrics {
		if !strings.Contains(string(raw), name) {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Logf("worker metrics on no dashboard panel: %v", missing)
	}
}
