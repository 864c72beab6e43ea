package transcript

import (
	"github.com/xdna-worker/xdna-worker/job"
	"github.com/xdna-worker/xdna-worker/whisper/tokenizer"
)

// Verbose is OpenAI's verbose_json transcription document.
type Verbose struct {
	Task     string           `json:"task"`
	Language string           `json:"language"` // English name, lower case ("english")
	Duration float64          `json:"duration"`
	Text     string           `json:"text"`
	Segments []VerboseSegment `json:"segments"`
	// Words are every segment's words in order, where OpenAI's API puts
	// them (timestamp_granularities[]=word); see LiftWords. Absent
	// otherwise.
	Words []VerboseWord `json:"words,omitzero"`
}

// VerboseSegment is one segment of verbose_json. Seek is the segment's
// start in 10 ms frames (OpenAI gives the frame its window began at; the
// worker does not keep that per segment).
type VerboseSegment struct {
	ID               int     `json:"id"`
	Seek             int     `json:"seek"`
	Start            float64 `json:"start"`
	End              float64 `json:"end"`
	Text             string  `json:"text"`
	Tokens           []int   `json:"tokens"`
	Temperature      float64 `json:"temperature"`
	AvgLogprob       float64 `json:"avg_logprob"`
	CompressionRatio float64 `json:"compression_ratio"`
	NoSpeechProb     float64 `json:"no_speech_prob"`
	// Words, when the job asked for word_timestamps, as OpenAI's
	// open-source whisper writes them in its verbose_json files.
	Words []job.Word `json:"words,omitempty"`
}

// VerboseWord is one word of OpenAI's API verbose_json: its text and its
// times in seconds.
type VerboseWord struct {
	Word  string  `json:"word"`
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// NewVerbose converts a result of a job with task to verbose_json, each
// segment with its words when it has them.
func NewVerbose(task string, res *job.Result) Verbose {
	v := Verbose{Task: job.TaskTranscribe, Language: res.Language, Duration: res.DurationS, Text: res.Text, Segments: []VerboseSegment{}}
	if task != "" {
		v.Task = task
	}
	for _, l := range tokenizer.Languages() {
		if l.Code == res.Language {
			v.Language = l.Name
		}
	}
	for i, s := range res.Segments {
		tokens := s.Tokens
		if tokens == nil {
			tokens = []int{}
		}
		v.Segments = append(v.Segments, VerboseSegment{
			ID: i, Seek: int(s.Start * 100), Start: s.Start, End: s.End, Text: s.Text, Tokens: tokens,
			Temperature: s.Temperature, AvgLogprob: s.AvgLogprob, CompressionRatio: s.CompressionRatio, NoSpeechProb: s.NoSpeechProb,
			Words: s.Words,
		})
	}
	return v
}

// LiftWords moves the segments' words to the document's top-level words,
// as OpenAI's API returns them: each word's text and times, in order; the
// segments keep none. words is then an empty list, not absent, when the
// segments have no words.
func (v *Verbose) LiftWords() {
	v.Words = []VerboseWord{}
	for i := range v.Segments {
		for _, w := range v.Segments[i].Words {
			v.Words = append(v.Words, VerboseWord{Word: w.Word, Start: w.Start, End: w.End})
		}
		v.Segments[i].Words = nil
	}
}
