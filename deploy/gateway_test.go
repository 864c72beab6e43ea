package deploy_test

import (
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/gateway"
)

// The gateway's manifests (k8s/gateway.yaml): its ConfigMap and example
// Secret make a configuration the gateway accepts, as the least-privileged
// publisher; the container port, probes, Service and NetworkPolicy agree
// with GATEWAY_ADDR; the pod runs as non-root on a read-only root; the
// grace period covers GATEWAY_REQUEST_TIMEOUT.
func TestGatewayManifests(t *testing.T) {
	k := loadK8s(t)
	var p problems
	d := k.named("Deployment", "xdna-gateway")
	if d == nil {
		t.Fatal("no Deployment xdna-gateway")
	}
	pod := mapv(dig(d, "spec", "template", "spec"))
	containers := list(pod["containers"])
	if len(containers) != 1 {
		t.Fatalf("gateway pod has %d containers", len(containers))
	}
	c := mapv(containers[0])
	env := map[string]string{}
	for _, ef := range list(c["envFrom"]) {
		if name := str(dig(ef, "configMapRef", "name")); name != "" {
			for key, v := range mapv(k.named("ConfigMap", name)["data"]) {
				env[key] = str(v)
			}
		}
		if name := str(dig(ef, "secretRef", "name")); name != "" {
			s := k.named("Secret", name)
			if s == nil {
				p.add("envFrom Secret %s is not in secret.example.yaml", name)
			}
			for key, v := range mapv(s["stringData"]) {
				env[key] = str(v)
			}
		}
	}
	cfg, err := gateway.LoadConfig(env)
	if err != nil {
		p.add("the gateway would refuse this configuration: %v", err)
	}
	if env["NATS_USER"] != "publisher" || env["NATS_INBOX_PREFIX"] != "_INBOX_publisher" {
		p.add("NATS_USER %q with inbox %q, want the publisher user and its inbox", env["NATS_USER"], env["NATS_INBOX_PREFIX"])
	}
	want, err := httpPort(cfg.Addr)
	if err != nil {
		p.add("GATEWAY_ADDR %q: %v", cfg.Addr, err)
	}
	if port, _ := intv(dig(list(c["ports"])[0], "containerPort")); port != want {
		p.add("containerPort %d, GATEWAY_ADDR %s", port, cfg.Addr)
	}
	for _, probe := range []string{"livenessProbe", "readinessProbe"} {
		if path := str(dig(c, probe, "httpGet", "path")); path != "/healthz" {
			p.add("%s path %q, want /healthz", probe, path)
		}
	}
	if dig(pod, "securityContext", "runAsNonRoot") != true || dig(c, "securityContext", "readOnlyRootFilesystem") != true ||
		dig(c, "securityContext", "allowPrivilegeEscalation") != false || pod["enableServiceLinks"] != false {
		p.add("the pod must run as non-root, read-only, without privilege escalation or service links")
	}
	grace, _ := intv(pod["terminationGracePeriodSeconds"])
	if time.Duration(grace)*time.Second < cfg.RequestTimeout {
		p.add("terminationGracePeriodSeconds %d is shorter than GATEWAY_REQUEST_TIMEOUT %v", grace, cfg.RequestTimeout)
	}
	podLabels := mapv(dig(d, "spec", "template", "metadata", "labels"))
	svc := k.named("Service", "xdna-gateway")
	if svc == nil || !subset(mapv(dig(svc, "spec", "selector")), podLabels) || str(dig(list(dig(svc, "spec", "ports"))[0], "targetPort")) != "http" {
		p.add("Service xdna-gateway must select the gateway pods and target their http port")
	}
	np := k.named("NetworkPolicy", "xdna-gateway")
	if np == nil || !subset(mapv(dig(np, "spec", "podSelector", "matchLabels")), podLabels) {
		p.add("NetworkPolicy xdna-gateway must select the gateway pods")
	} else if port, _ := intv(dig(list(dig(list(dig(np, "spec", "ingress"))[0], "ports"))[0], "port")); port != want {
		p.add("NetworkPolicy admits port %d, the gateway listens on %d", port, want)
	}
	report(t, p)
}
