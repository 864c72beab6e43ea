// Package buildinfo says which build of xdna-worker is running: its
// version, the source revision it was built from and the Go release that
// built it. The binaries print it for --version and the worker exports it
// as the xdna_build_info metric.
//
// A release build sets the version (and, where the build has no VCS
// information, the revision) at link time:
//
//	go build -ldflags "-X github.com/xdna-worker/xdna-worker/buildinfo.version=v1.2.0 \
//	    -X github.com/xdna-worker/xdna-worker/buildinfo.revision=$(git rev-parse HEAD)" ./cmd/...
//
// Without them, both come from the build information the go command
// records (runtime/debug.ReadBuildInfo): the main module's version
// ("(devel)" for a build from a source tree) and its vcs.revision setting.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Set with -ldflags "-X github.com/xdna-worker/xdna-worker/buildinfo.version=…"
// (and .revision=…); empty means "from the build information".
var version, revision string

// Unknown is reported for a part of the build information that is missing.
const Unknown = "unknown"

// Info describes a build.
type Info struct {
	Version   string // e.g. v1.2.0, or (devel) for a build from a source tree
	Revision  string // VCS revision, with a "-dirty" suffix for a modified tree; Unknown when not recorded
	GoVersion string // e.g. go1.26.8
}

// Get returns this binary's build information.
func Get() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = &debug.BuildInfo{}
	}
	return fromBuildInfo(bi, version, revision)
}

// fromBuildInfo combines the link-time values, which take precedence, with
// what the go command recorded.
func fromBuildInfo(bi *debug.BuildInfo, version, revision string) Info {
	info := Info{Version: version, Revision: revision, GoVersion: runtime.Version()}
	if info.Version == "" {
		info.Version = bi.Main.Version
	}
	if info.Revision == "" {
		var modified bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if info.Revision != "" && modified {
			info.Revision += "-dirty"
		}
	}
	if info.Version == "" {
		info.Version = Unknown
	}
	if info.Revision == "" {
		info.Revision = Unknown
	}
	return info
}

// String formats the information for --version: "v1.2.0 (revision 3f2a…, go1.26.8)".
func (i Info) String() string {
	return i.Version + " (revision " + i.Revision + ", " + i.GoVersion + ")"
}
