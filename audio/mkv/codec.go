package mkv

import (
	"strings"

	"github.com/xdna-worker/xdna-worker/audio/pcm"
)

// A codec decodes the frames of the audio track. opus.Decoder and
// vorbis.Decoder are codecs.
type codec interface {
	// Decode decodes one frame and returns one slice per channel, valid
	// until the next call.
	Decode(packet []byte) ([][]float32, error)
}

// A codecSetup is a codec ready to decode the track, with what the demuxer
// needs to know of it.
type codecSetup struct {
	codec   codec
	name    string // for Info.Codec: "opus", "vorbis"
	rate    int    // output sample rate
	layout  pcm.Layout
	preSkip int // samples the codec's header says to drop at the start
}

// openCodec makes the decoder of t's codec.
func openCodec(t *track) (codecSetup, error) {
	if t.encoded {
		return codecSetup{}, unsupported("the audio track is compressed or encrypted (ContentEncodings)")
	}
	switch t.codecID {
	case "A_OPUS", "A_OPUS/EXPERIMENTAL": // the latter from mkvmerge before 2013
		return openOpus(t)
	case "A_VORBIS":
		return openVorbis(t)
	}
	return codecSetup{}, unsupported("the audio track's codec is %s; only Opus and Vorbis are decoded", codecName(t.codecID))
}

// codecNames names the audio codecs of Matroska's codec mappings by the
// prefix of their CodecID.
var codecNames = [...]struct{ prefix, name string }{
	{"A_AAC", "AAC"},
	{"A_FLAC", "FLAC"},
	{"A_MPEG/L3", "MP3"},
	{"A_MPEG/L2", "MPEG audio layer II"},
	{"A_MPEG/L1", "MPEG audio layer I"},
	{"A_PCM/", "PCM"},
	{"A_AC3", "AC-3"},
	{"A_EAC3", "E-AC-3"},
	{"A_DTS", "DTS"},
	{"A_TRUEHD", "TrueHD"},
	{"A_MLP", "MLP"},
	{"A_ALAC", "ALAC"},
	{"A_TTA1", "TTA"},
	{"A_WAVPACK4", "WavPack"},
	{"A_REAL/", "RealAudio"},
	{"A_MS/ACM", "a Windows ACM codec"},
	{"A_QUICKTIME", "a QuickTime codec"},
	{"A_SPEEX", "Speex"},
}

// codecName names a CodecID for an error message: the codec's name when it
// is known, the ID itself when it is short and plain, else a description.
func codecName(id string) string {
	for _, c := range codecNames {
		if strings.HasPrefix(id, c.prefix) {
			return c.name
		}
	}
	if id == "" {
		return "not given (no CodecID)"
	}
	// The CodecID is bytes of the file: it is not repeated, as no error may
	// echo an object's bytes.
	return "an unrecognised CodecID"
}
