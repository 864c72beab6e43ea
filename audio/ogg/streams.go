package ogg

// streamKind is what a logical stream carries, told by its first packet.
type streamKind int

const (
	kindOther      streamKind = iota // not audio (Skeleton, Theora, ...): ignored
	kindVorbis                       // decoded
	kindOpus                         // decoded
	kindAudioOther                   // audio this package does not decode
)

// signatures of the first packet of the logical streams NewDecoder knows.
var signatures = []struct {
	prefix string
	kind   streamKind
	name   string
}{
	{"\x01vorbis", kindVorbis, "Vorbis"},
	{"OpusHead", kindOpus, "Opus"},
	{"\x7fFLAC", kindAudioOther, "FLAC"},
	{"fLaC", kindAudioOther, "FLAC"},
	{"Speex   ", kindAudioOther, "Speex"},
	{"PCM     ", kindAudioOther, "PCM"},
	{"CELT    ", kindAudioOther, "CELT"},
	{"\x80theora", kindOther, "Theora"},
	{"fishead\x00", kindOther, "Skeleton"},
}

// identify tells the kind of a logical stream from its first packet, and
// its codec's name ("" when unknown).
func identify(p []byte) (streamKind, string) {
	for _, s := range signatures {
		if len(p) >= len(s.prefix) && string(p[:len(s.prefix)]) == s.prefix {
			return s.kind, s.name
		}
	}
	return kindOther, ""
}
