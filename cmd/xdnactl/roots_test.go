package main

import (
	"testing"

	"github.com/xdna-worker/xdna-worker/internal/rootstest"
)

// The binary trusts the public CAs without a CA bundle on the system, as in
// the FROM-scratch image (issue 8, item 15).
func TestPublicRootsWithoutBundle(t *testing.T) { rootstest.PublicRootsWithoutBundle(t) }
