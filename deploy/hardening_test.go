package deploy_test

// Checks of issue 8's deployment items: compose publishes nothing beyond
// 127.0.0.1 and runs every role with its own least-privileged NATS and
// MinIO user (items 9, 16), the k8s NetworkPolicy and the ephemeral-storage
// request derived from MAX_AUDIO_BYTES (16), the CA bundle in the
// FROM-scratch images (15), and documents that say plainly which devices
// exist (21). Each check returns its problems; TestHardeningChecksCatchMistakes
// breaks a copy of the real files and makes sure the check notices.

import (
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/queue"
	"github.com/xdna-worker/xdna-worker/xdna"
)

// logHeadroom is the container log's share of the ephemeral-storage request.
const logHeadroom = 256 << 20

// ephemeralRequest is the formula of worker-deployment.yaml: the spool of
// every job in flight plus the log, rounded up to whole GiB.
func ephemeralRequest(sets int, maxAudioBytes int64, maxAudioDuration time.Duration) float64 {
	b := float64(sets)*(float64(maxAudioBytes)+spoolBytesPerSec*maxAudioDuration.Seconds()) + logHeadroom
	return math.Ceil(b/(1<<30)) * (1 << 30)
}

func checkEphemeralStorage(f facts, k *k8sSet) problems {
	var p problems
	cfg, cp := deploymentConfig(f, k)
	if len(cp) > 0 {
		return cp
	}
	pools, err := xdna.NewPools(xdna.DefaultDims, cfg.Pools())
	if err != nil {
		p.add("pools: %v", err)
		return p
	}
	defer pools.Close()
	want := ephemeralRequest(pools.Sets(), int64(cfg.MaxAudioBytes), time.Duration(cfg.MaxAudioDuration))
	c := workerContainer(k.named("Deployment", "xdna-worker"))
	got, err := parseQuantity(dig(c, "resources", "requests", "ephemeral-storage"))
	if err != nil || got != want {
		p.add("Deployment: ephemeral-storage request %v, want %.0fGi = ceil_GiB(%d sets × (MAX_AUDIO_BYTES + 64,000 B/s × MAX_AUDIO_DURATION) + 256 MiB)",
			dig(c, "resources", "requests", "ephemeral-storage"), want/(1<<30), pools.Sets())
	}
	return p
}

func checkNetworkPolicy(k *k8sSet) problems {
	var p problems
	np := k.named("NetworkPolicy", "xdna-worker")
	if np == nil {
		p.add("k8s: no NetworkPolicy xdna-worker")
		return p
	}
	podLabels := mapv(dig(k.named("Deployment", "xdna-worker"), "spec", "template", "metadata", "labels"))
	sel := mapv(dig(np, "spec", "podSelector", "matchLabels"))
	if len(sel) == 0 || !subset(sel, podLabels) {
		p.add("NetworkPolicy: podSelector %v does not select the worker pods %v", sel, podLabels)
	}
	types := strs(dig(np, "spec", "policyTypes"))
	if !slices.Contains(types, "Ingress") || !slices.Contains(types, "Egress") {
		p.add("NetworkPolicy: policyTypes %v must include Ingress and Egress", types)
	}
	for _, r := range list(dig(np, "spec", "ingress")) {
		ports := list(dig(r, "ports"))
		if len(ports) == 0 {
			p.add("NetworkPolicy: an ingress rule without ports opens every port")
		}
		for _, pt := range ports {
			if n, _ := intv(dig(pt, "port")); n != 8080 && str(dig(pt, "port")) != "http" {
				p.add("NetworkPolicy: ingress to port %v; the worker serves only 8080", dig(pt, "port"))
			}
		}
	}
	egressPorts := map[int]bool{}
	for _, r := range list(dig(np, "spec", "egress")) {
		if len(list(dig(r, "to"))) == 0 {
			p.add("NetworkPolicy: an egress rule without `to` allows any destination")
		}
		ports := list(dig(r, "ports"))
		if len(ports) == 0 {
			p.add("NetworkPolicy: an egress rule without ports allows every port")
		}
		for _, pt := range ports {
			n, _ := intv(dig(pt, "port"))
			egressPorts[n] = true
		}
	}
	for _, need := range []int{4222, 9000, 53} {
		if !egressPorts[need] {
			p.add("NetworkPolicy: no egress to port %d (NATS 4222, MinIO 9000, DNS 53)", need)
		}
	}
	return p
}

// publishedPorts returns every "ports" entry of every service.
func publishedPorts(c *compose) map[string][]string {
	out := map[string][]string{}
	for name, s := range c.services() {
		for _, pt := range list(s["ports"]) {
			if m := mapv(pt); m != nil {
				out[name] = append(out[name], str(m["host_ip"])+":"+str(m["published"])+":"+str(m["target"]))
				continue
			}
			out[name] = append(out[name], str(pt))
		}
	}
	return out
}

func checkComposeLoopback(files ...*compose) problems {
	var p problems
	for _, c := range files {
		for name, ports := range publishedPorts(c) {
			for _, pt := range ports {
				if !strings.HasPrefix(interpolate(pt), "127.0.0.1:") {
					p.add("%s: service %s publishes %q beyond 127.0.0.1", c.path, name, pt)
				}
			}
		}
	}
	return p
}

// natsConfUsers returns the users of the NATS configuration and, per user,
// the subjects it may subscribe to.
func natsConfUsers(conf string) map[string][]string {
	users := map[string][]string{}
	userRE := regexp.MustCompile(`(?m)^\s*user:\s*(\S+)`)
	subRE := regexp.MustCompile(`subscribe:\s*\{\s*allow:\s*\[([^\]]*)\]`)
	locs := userRE.FindAllStringSubmatchIndex(conf, -1)
	for i, l := range locs {
		end := len(conf)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		name := conf[l[2]:l[3]]
		users[name] = nil
		if m := subRE.FindStringSubmatch(conf[l[1]:end]); m != nil {
			users[name] = quoted(m[1])
		}
	}
	return users
}

func checkComposeLeastPrivilege(base *compose, conf string, policy string) problems {
	var p problems
	svcs := base.services()
	users := natsConfUsers(conf)
	for _, r := range []string{"publisher", "worker", "reader", "minio", "admin"} {
		if _, ok := users[r]; !ok {
			p.add("nats-server.conf: no user %s", r)
		}
	}
	nats := svcs["nats"]
	if !slices.Contains(strs(nats["command"]), "-c") || !slices.ContainsFunc(list(nats["volumes"]), func(v any) bool {
		src, _ := volumeParts(v)
		return strings.HasSuffix(src, "deploy/nats/nats-server.conf")
	}) {
		p.add("%s: nats does not run deploy/nats/nats-server.conf (-c and a bind mount)", base.path)
	}
	rootUser := composeEnv(svcs["minio"]["environment"])["MINIO_ROOT_USER"]
	if env := composeEnv(svcs["minio"]["environment"]); env["MINIO_NOTIFY_NATS_USERNAME_XDNA"] != "minio" {
		p.add("%s: MinIO's NATS target must authenticate as the minio user", base.path)
	}
	provision := ""
	for name, s := range svcs {
		if strings.Join(strs(s["entrypoint"]), " ") == "/xdna-provision" {
			provision = name
			if env := composeEnv(s["environment"]); env["NATS_USER"] != "admin" {
				p.add("%s: %s provisions as %q, want admin", base.path, name, env["NATS_USER"])
			}
		}
	}
	if provision == "" {
		p.add("%s: no one-shot service runs /xdna-provision", base.path)
	}
	for name, s := range svcs {
		if !isWorker(s) {
			continue
		}
		env := composeEnv(s["environment"])
		where := base.path + ": " + name
		if env["NATS_USER"] != "worker" {
			p.add("%s: NATS_USER %q, want the least-privileged worker", where, env["NATS_USER"])
		}
		// Its inbox, and the priority lanes (an idle intake wakes on a
		// routed job): nothing else.
		want := []string{env["NATS_INBOX_PREFIX"] + ".>"}
		for _, pr := range job.Priorities {
			want = append(want, queue.Config{}.LaneSubject(pr))
		}
		if subs := users["worker"]; !slices.Equal(subs, want) {
			p.add("%s: the worker user may subscribe to %v, want exactly %v (its NATS_INBOX_PREFIX %q and the lanes)", where, subs, want, env["NATS_INBOX_PREFIX"])
		}
		if env["PROVISION"] != "false" {
			p.add("%s: PROVISION must be false: the worker user may not manage streams", where)
		}
		if provision != "" && dependsOn(s["depends_on"])[provision] != "service_completed_successfully" {
			p.add("%s: does not wait for %s", where, provision)
		}
		if k := env["S3_ACCESS_KEY"]; k == "" || k == rootUser || k == "minioadmin" {
			p.add("%s: S3_ACCESS_KEY %q is MinIO's root user; workers need their own user", where, k)
		} else {
			created, attached := false, false
			for _, o := range svcs {
				cmd := strs(o["command"])
				created = created || len(cmd) > 4 && cmd[0] == "admin" && cmd[1] == "user" && cmd[2] == "add" && cmd[4] == k
				attached = attached || slices.Contains(cmd, "attach") && slices.Contains(cmd, k)
			}
			if !created || !attached {
				p.add("%s: no one-shot creates the MinIO user %s and attaches its policy", where, k)
			}
		}
	}
	// The policy: read audio, write transcripts, nothing else.
	var pol struct {
		Statement []struct {
			Effect   string
			Action   []string
			Resource []string
		}
	}
	if err := json.Unmarshal([]byte(policy), &pol); err != nil {
		p.add("worker-policy.json: %v", err)
		return p
	}
	allowed := map[string]bool{
		"s3:GetObject arn:aws:s3:::audio/*": true, "s3:PutObject arn:aws:s3:::transcripts/*": true,
		"s3:AbortMultipartUpload arn:aws:s3:::transcripts/*": true,
		"s3:GetBucketLocation arn:aws:s3:::audio":            true, "s3:GetBucketLocation arn:aws:s3:::transcripts": true,
	}
	got := map[string]bool{}
	for _, st := range pol.Statement {
		for _, a := range st.Action {
			for _, r := range st.Resource {
				got[a+" "+r] = true
				if st.Effect != "Allow" || !allowed[a+" "+r] {
					p.add("worker-policy.json: %s %s on %s is more than reading audio and writing transcripts", st.Effect, a, r)
				}
			}
		}
	}
	if !got["s3:GetObject arn:aws:s3:::audio/*"] || !got["s3:PutObject arn:aws:s3:::transcripts/*"] {
		p.add("worker-policy.json: must allow reading audio/* and writing transcripts/*")
	}
	return p
}

// checkCABundle: every worker image carries a CA bundle at Go's standard
// path, and `make images` puts one into the build context.
func checkCABundle(f facts, makefile string) problems {
	var p problems
	for img, files := range f.imageFiles {
		if slices.Contains(files, "/xdna-worker") && !slices.Contains(files, "/etc/ssl/certs/ca-certificates.crt") {
			p.add("image %s: no CA bundle at /etc/ssl/certs/ca-certificates.crt (S3_USE_TLS against a public CA fails)", img)
		}
	}
	if !regexp.MustCompile(`(?m)^\tcp \$\(CA_BUNDLE\) \$\(BIN\)/ca-certificates\.crt$`).MatchString(makefile) {
		p.add("Makefile: `make images` does not copy the CA bundle into bin/")
	}
	return p
}

// Claims no document may make: there is no hardware NPU driver (DESIGN.md,
// "Devices").
var forbiddenClaims = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`(?is)\bNPU\b.{0,80}?where one exists`), `"NPU where one exists": no hardware driver exists`},
	{regexp.MustCompile(`(?i)XDNA_DEVICE\s*[=:]\s*"?xrt\b`), "XDNA_DEVICE=xrt: there is no xrt device"},
	{regexp.MustCompile(`(?i)\bxrt\b[^\n]{0,40}\b(on|for) XDNA2`), "xrt on XDNA2 nodes: there is no xrt device"},
	{regexp.MustCompile(`-tags xrt`), "a build tag for a driver that does not exist"},
	{regexp.MustCompile("(?i)`?cpu`?, `?sim`?, `?xrt`?"), "xrt listed as a device"},
}

// honestyFiles are the documents and manifests checked: the README, docs/
// (decisions.md records history and is left alone), deploy/ and compose.
func honestyFiles(t testing.TB) []string {
	files := []string{filepath.Join(repoRoot, "README.md"), composePath, composeOverride, "README.md"}
	for _, glob := range []string{filepath.Join(repoRoot, "docs", "*.md"), filepath.Join(k8sDir, "*.yaml")} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			if filepath.Base(f) != "decisions.md" {
				files = append(files, f)
			}
		}
	}
	return files
}

func checkDeviceClaims(docs map[string]string) problems {
	var p problems
	for _, path := range slices.Sorted(maps.Keys(docs)) {
		for _, c := range forbiddenClaims {
			if m := c.re.FindString(docs[path]); m != "" {
				p.add("%s: %q — %s", path, m, c.why)
			}
		}
	}
	readme := docs[filepath.Join(repoRoot, "README.md")]
	if !regexp.MustCompile(`(?i)no hardware NPU driver`).MatchString(readme) {
		p.add("README.md: must say plainly that there is no hardware NPU driver")
	}
	cm := ""
	for path, s := range docs {
		if strings.HasSuffix(path, "configmap.yaml") {
			cm = s
		}
	}
	if !strings.Contains(cm, "no hardware NPU driver") || !strings.Contains(cm, "timing model") {
		p.add("k8s ConfigMap: must say there is no hardware NPU driver and that sim is a timing model")
	}
	return p
}

func readHonestyDocs(t testing.TB) map[string]string {
	docs := map[string]string{}
	for _, f := range honestyFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = string(b)
	}
	return docs
}

func TestHardening(t *testing.T) {
	f, k := loadFacts(t), loadK8s(t)
	base, over := loadCompose(t, composePath), loadCompose(t, composeOverride)
	t.Run("ephemeral-storage request from MAX_AUDIO_BYTES", func(t *testing.T) { report(t, checkEphemeralStorage(f, k)) })
	t.Run("NetworkPolicy", func(t *testing.T) { report(t, checkNetworkPolicy(k)) })
	t.Run("compose ports on 127.0.0.1", func(t *testing.T) { report(t, checkComposeLoopback(base, over)) })
	t.Run("compose least privilege", func(t *testing.T) {
		report(t, checkComposeLeastPrivilege(base, readFile(t, natsConfPath), readFile(t, "minio/worker-policy.json")))
	})
	t.Run("CA bundle in the images", func(t *testing.T) { report(t, checkCABundle(f, readFile(t, filepath.Join(repoRoot, "Makefile")))) })
	t.Run("documents are honest about devices", func(t *testing.T) { report(t, checkDeviceClaims(readHonestyDocs(t))) })
}

func TestHardeningChecksCatchMistakes(t *testing.T) {
	f := loadFacts(t)
	conf, policy := readFile(t, natsConfPath), readFile(t, "minio/worker-policy.json")
	cases := []struct {
		name string
		run  func(t *testing.T) problems
		want string
	}{
		{"ephemeral-storage left at 1Gi", func(t *testing.T) problems {
			k := loadK8s(t)
			mapv(dig(workerContainer(k.named("Deployment", "xdna-worker")), "resources", "requests"))["ephemeral-storage"] = "1Gi"
			return checkEphemeralStorage(f, k)
		}, "ephemeral-storage"},
		{"MAX_AUDIO_BYTES raised", func(t *testing.T) problems {
			k := loadK8s(t)
			mapv(k.named("ConfigMap", "xdna-worker-config")["data"])["MAX_AUDIO_BYTES"] = "4GiB"
			return checkEphemeralStorage(f, k)
		}, "ephemeral-storage"},
		{"no NetworkPolicy", func(t *testing.T) problems {
			k := loadK8s(t)
			k.objs = slices.DeleteFunc(k.objs, func(o k8sObj) bool { return o.kind == "NetworkPolicy" })
			return checkNetworkPolicy(k)
		}, "no NetworkPolicy"},
		{"NetworkPolicy without egress", func(t *testing.T) problems {
			k := loadK8s(t)
			mapv(k.named("NetworkPolicy", "xdna-worker")["spec"])["policyTypes"] = []any{"Ingress"}
			return checkNetworkPolicy(k)
		}, "Egress"},
		{"NATS on all interfaces", func(t *testing.T) problems {
			base := loadCompose(t, composePath)
			mapv(mapv(base.m["services"])["nats"])["ports"] = []any{"4222:4222"}
			return checkComposeLoopback(base)
		}, "beyond 127.0.0.1"},
		{"workers as MinIO root", func(t *testing.T) problems {
			base := loadCompose(t, composePath)
			env := mapv(dig(base.m, "services", "worker-1", "environment"))
			env["S3_ACCESS_KEY"] = "${MINIO_ROOT_USER:-minioadmin}"
			return checkComposeLeastPrivilege(base, conf, policy)
		}, "root user"},
		{"workers as admin", func(t *testing.T) problems {
			base := loadCompose(t, composePath)
			mapv(dig(base.m, "services", "worker-2", "environment"))["NATS_USER"] = "admin"
			return checkComposeLeastPrivilege(base, conf, policy)
		}, "least-privileged"},
		{"policy grants delete", func(t *testing.T) problems {
			return checkComposeLeastPrivilege(loadCompose(t, composePath), conf,
				strings.Replace(policy, `"s3:GetObject"`, `"s3:GetObject", "s3:DeleteObject"`, 1))
		}, "DeleteObject"},
		{"no CA bundle", func(t *testing.T) problems {
			g := f
			g.imageFiles = map[string][]string{"xdna/xdna-worker:local": {"/xdna-worker", "/xdnactl"}}
			return checkCABundle(g, "")
		}, "CA bundle"},
		{"NPU where one exists", func(t *testing.T) problems {
			docs := readHonestyDocs(t)
			p := filepath.Join(repoRoot, "README.md")
			docs[p] += "\nthe encoder runs on an AMD XDNA2 NPU\nwhere one exists.\n"
			return checkDeviceClaims(docs)
		}, "where one exists"},
		{"XDNA_DEVICE=xrt in a manifest", func(t *testing.T) problems {
			docs := readHonestyDocs(t)
			docs[composePath] += "\n    XDNA_DEVICE: xrt\n"
			return checkDeviceClaims(docs)
		}, "xrt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if p := tc.run(t); !p.has(tc.want) {
				t.Errorf("mistake not caught (want a problem mentioning %q), got %v", tc.want, p)
			}
		})
	}
}
