// Package deploy holds the deployment files of xdna-worker: the FROM-scratch
// Dockerfiles, the Kubernetes manifests (k8s/), the Grafana dashboard
// (grafana/) and, at the repository root, docker-compose.yml and its
// docker-compose.local.yml override. It has no Go code; deploy_test.go checks
// those files against the worker's real metric names, environment variables
// and configuration parser.
package deploy
