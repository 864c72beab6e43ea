package mp4

import "github.com/xdna-worker/xdna-worker/audio/pcm"

// fixture is a test file of testdata/ that decodes, with what its Info
// must say.
type fixture struct {
	name   string
	codec  string
	rate   int
	layout pcm.Layout
	// fragmented files declare no length: Info.Frames is -1.
	fragmented bool
}

// decodable are the files testdata/make.sh writes with a reference decode.
var decodable = []fixture{
	{"aac-mono16k.m4a", "mp4/aac", 16000, pcm.LayoutMono, false},
	{"aac-mono16k-faststart.m4a", "mp4/aac", 16000, pcm.LayoutMono, false},
	{"aac-stereo44k.m4a", "mp4/aac", 44100, pcm.LayoutStereo, false},
	{"aac-stereo44k-faststart.m4a", "mp4/aac", 44100, pcm.LayoutStereo, false},
	{"aac-frag.mp4", "mp4/aac", 48000, pcm.LayoutMono, true},
	{"aac-frag-hybrid.mp4", "mp4/aac", 16000, pcm.LayoutMono, true},
	{"aac.mov", "mp4/aac", 32000, pcm.LayoutStereo, false},
	{"aac.3gp", "mp4/aac", 8000, pcm.LayoutMono, false},
	{"aac-video.mp4", "mp4/aac", 16000, pcm.LayoutMono, false},
	{"aac-edit.m4a", "mp4/aac", 16000, pcm.LayoutMono, false},
	{"aac-apple2112.m4a", "mp4/aac", 16000, pcm.LayoutMono, false},
	{"mp3.mp4", "mp4/mp3", 44100, pcm.LayoutMono, false},
	{"mp3.mov", "mp4/mp3", 22050, pcm.LayoutMono, false},
}
