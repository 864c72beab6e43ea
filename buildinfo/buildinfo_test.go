package buildinfo

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	vcs := &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "3f2a9c"}, {Key: "vcs.modified", Value: "true"},
	}}
	for _, tc := range []struct {
		name              string
		bi                *debug.BuildInfo
		version, revision string
		want              Info
	}{
		{"from the build information", vcs, "", "", Info{"v0.3.0", "3f2a9c-dirty", runtime.Version()}},
		{"link-time values win", vcs, "v1.2.0", "abc123", Info{"v1.2.0", "abc123", runtime.Version()}},
		{"source tree without VCS stamping", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "", "", Info{"(devel)", Unknown, runtime.Version()}},
		{"nothing recorded", &debug.BuildInfo{}, "", "", Info{Unknown, Unknown, runtime.Version()}},
	} {
		if got := fromBuildInfo(tc.bi, tc.version, tc.revision); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if s := (Info{"v1.2.0", "abc123", "go1.26.8"}).String(); s != "v1.2.0 (revision abc123, go1.26.8)" {
		t.Errorf("String() = %q", s)
	}
}

func TestGet(t *testing.T) {
	i := Get()
	if i.Version == "" || i.Revision == "" || i.GoVersion != runtime.Version() {
		t.Fatalf("%+v", i)
	}
}
